package dev.jrunc.shim.events;

/** The topics a runtime v2 shim publishes on, one per kind of task event (containerd's runtime/events.go). */
public final class Topics {
    public static final String TASK_CREATE = "/tasks/create";
    public static final String TASK_START = "/tasks/start";
    public static final String TASK_EXIT = "/tasks/exit";
    public static final String TASK_DELETE = "/tasks/delete";
    public static final String TASK_EXEC_ADDED = "/tasks/exec-added";
    public static final String TASK_EXEC_STARTED = "/tasks/exec-started";
    public static final String TASK_PAUSED = "/tasks/paused";
    public static final String TASK_RESUMED = "/tasks/resumed";
    public static final String TASK_OOM = "/tasks/oom";

    private Topics() {
    }
}
