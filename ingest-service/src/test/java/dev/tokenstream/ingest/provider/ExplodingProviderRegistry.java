package dev.tokenstream.ingest.provider;

import jakarta.enterprise.inject.Vetoed;

import java.util.Optional;

/**
 * A provider registry that throws for every lookup, as a bug in ingest would: installed with {@code QuarkusMock}
 * for one test, to show that a stream whose worker fails before its first event still ends. Vetoed: not a bean of its
 * own.
 */
@Vetoed
public class ExplodingProviderRegistry extends ProviderRegistry {

    public ExplodingProviderRegistry() {
        super(null, new ActiveStreams());
    }

    @Override
    Optional<Provider> provider(String name) {
        throw new IllegalStateException("the provider registry failed");
    }
}
