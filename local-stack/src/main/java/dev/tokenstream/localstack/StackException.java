package dev.tokenstream.localstack;

/** The local stack could not do what was asked; the message says what and where to look. */
public class StackException extends RuntimeException {

    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
