package dev.tokenstream.auth;

import dev.tokenstream.events.ApiKey;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialsTest {

    private static final String SECRET = "a-test-secret-of-at-least-thirty-two-bytes";

    @Test
    void shouldAcceptAKeysOwnSecretOnlyAndNeverStoreIt() {
        ApiKey.Issued issued = ApiKey.issue("acme");
        String[] parts = ApiKey.parse(issued.text()).orElseThrow();

        assertThat(issued.text()).matches("tsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
        assertThat(parts[0]).isEqualTo(issued.record().keyId());
        assertThat(issued.record().accepts(parts[1])).isTrue();
        assertThat(issued.record().accepts(parts[1].substring(1) + "x")).isFalse();
        assertThat(issued.record().revoke().accepts(parts[1])).isFalse();
        assertThat(issued.record().toString()).doesNotContain(parts[1]);
        assertThat(ApiKey.of(issued.text(), "acme").record().secretSha256()).isEqualTo(issued.record().secretSha256());
        assertThat(ApiKey.parse("tsk_short_secret")).isEmpty();
        assertThatThrownBy(() -> ApiKey.issue("no spaces")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldVerifyAStreamTokenOnlyWithItsSecretAndBeforeItExpires() {
        var tokens = new StreamTokens(Optional.of(SECRET), Duration.ofMinutes(15));
        String token = tokens.issue("group-id", "acme", false);

        Caller caller = tokens.verify(token).orElseThrow();
        assertThat(caller.kind()).isEqualTo(Caller.Kind.STREAM_TOKEN);
        assertThat(caller.tenant()).isEqualTo("acme");
        assertThat(caller.mayRead("group-id", "acme")).isTrue();
        assertThat(caller.mayRead("group-id.m1", "acme")).as("a member of its merge group").isTrue();
        assertThat(caller.mayRead("group-id", "other")).isFalse();
        assertThat(caller.mayRead("another-id", "acme")).isFalse();
        assertThat(caller.mayControl("group-id", "acme")).as("a read-only token").isFalse();
        assertThat(new StreamTokens(Optional.of(SECRET + "!"), Duration.ofMinutes(15)).verify(token)).isEmpty();
        assertThat(new StreamTokens(Optional.of(SECRET), Duration.ofMinutes(-2)).issue("x", "acme", true))
                .satisfies(expired -> assertThat(tokens.verify(expired)).isEmpty());
        String[] parts = token.split("\\.");
        assertThat(tokens.verify(parts[0] + "." + parts[1] + ".")).as("unsigned").isEmpty();
        assertThat(new StreamTokens(Optional.empty(), Duration.ofMinutes(1)).verify(token)).isEmpty();
        assertThatThrownBy(() -> new StreamTokens(Optional.of("short"), Duration.ofMinutes(1)))
                .hasMessageContaining("at least 32 bytes");
    }

    @Test
    void shouldLetATenantKeySeeItsOwnStreamsAndAServiceKeySeeAllButControlNone() {
        var tenant = new Caller(Caller.Kind.TENANT_KEY, "acme", "k1", null, false);
        var service = new Caller(Caller.Kind.SERVICE_KEY, null, "k2", null, false);

        assertThat(tenant.mayRead("s", "acme")).isTrue();
        assertThat(tenant.mayControl("s", "acme")).isTrue();
        assertThat(tenant.mayRead("s", "other")).isFalse();
        assertThat(tenant.mayRead("s", null)).as("a stream of no tenant").isFalse();
        assertThat(service.mayRead("s", "acme")).isTrue();
        assertThat(service.mayControl("s", "acme")).isFalse();
    }
}
