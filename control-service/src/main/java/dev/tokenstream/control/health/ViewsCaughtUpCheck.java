package dev.tokenstream.control.health;

import dev.tokenstream.control.messaging.ViewCatchUp;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the stream views have read their topics up to where they ended at the assignment
 * ({@link ViewCatchUp}): before, this instance would not know streams started before it, and a load balancer must
 * not send it their status or commands.
 */
@Readiness
@ApplicationScoped
public class ViewsCaughtUpCheck implements HealthCheck {

    private static final String NAME = "stream views caught up";

    private final ViewCatchUp views;

    public ViewsCaughtUpCheck(@Identifier(ViewCatchUp.NAME) ViewCatchUp views) {
        this.views = views;
    }

    @Override
    public HealthCheckResponse call() {
        long behind = views.recordsBehind();
        return HealthCheckResponse.named(NAME).status(behind == 0).withData("recordsBehind", behind).build();
    }
}
