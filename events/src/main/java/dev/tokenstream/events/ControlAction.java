package dev.tokenstream.events;

/** What a {@link ControlCommand} asks for. */
public enum ControlAction {
    PAUSE, RESUME, CANCEL
}
