package dev.tokenstream.localstack;

import dev.tokenstream.events.ApiKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The local stack's credentials, made on its first start and kept in its work folder (readable by the owner only):
 * {@value #DEV_API_KEY_FILE}, an API key of tenant {@value #DEV_TENANT} that the CLI, the benchmark and the tests
 * use; {@value #SERVICE_KEY_FILE}, the services' own key; {@value #SECRET_FILE}, the stream tokens' signing key.
 *
 * @param apiKey            the development tenant's API key
 * @param serviceKey        the services' key (role service)
 * @param streamTokenSecret the HS256 key of stream tokens
 */
public record DevCredentials(String apiKey, String serviceKey, String streamTokenSecret) {

    /** The development tenant. */
    public static final String DEV_TENANT = "dev";
    /** The file, in the stack's work folder, that holds the development tenant's API key. */
    public static final String DEV_API_KEY_FILE = "dev-api-key";
    static final String SERVICE_KEY_FILE = "service-api-key";
    static final String SECRET_FILE = "stream-token-secret";

    /**
     * Reads the credentials of {@code workDir}, making those that do not exist yet.
     *
     * @throws StackException when the folder cannot be written
     */
    static DevCredentials of(Path workDir) {
        try {
            Files.createDirectories(workDir);
            String apiKey = readOrMake(workDir.resolve(DEV_API_KEY_FILE), () -> ApiKey.issue(DEV_TENANT).text());
            String serviceKey = readOrMake(workDir.resolve(SERVICE_KEY_FILE), () -> ApiKey.issue(null).text());
            String secret = readOrMake(workDir.resolve(SECRET_FILE), () -> {
                byte[] bytes = new byte[32];
                new SecureRandom().nextBytes(bytes);
                return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            });
            return new DevCredentials(apiKey, serviceKey, secret);
        } catch (IOException e) {
            throw new StackException("cannot keep the development credentials in " + workDir + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * @param workDir a local stack's work folder
     * @return its development API key, when the stack made one
     */
    public static Optional<String> devApiKey(Path workDir) {
        try {
            Path file = workDir.resolve(DEV_API_KEY_FILE);
            return Files.exists(file) ? Optional.of(Files.readString(file).trim()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** @return the records of both keys, for {@code tokenstream.api-keys} (the secrets only as their SHA-256) */
    List<ApiKey> records() {
        return List.of(record(apiKey, DEV_TENANT), record(serviceKey, null));
    }

    private static ApiKey record(String text, String tenant) {
        try {
            return ApiKey.of(text, tenant).record();
        } catch (IllegalArgumentException e) {
            throw new StackException("a key in the stack's folder is not an API key (" + e.getMessage()
                    + "); delete the file to have a new one made", e);
        }
    }

    private static String readOrMake(Path file, Supplier<String> maker) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        String value = maker.get();
        Files.writeString(file, value + "\n");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder's own permissions apply
        }
        return value;
    }
}
