package dev.jrunc.shim.cli;

import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Where the shim's log lines go. The daemon's stderr is the bundle's {@code log} FIFO, which containerd copies
 * into its own log, so lines are written in the same {@code key=value} style as the Go shim's.
 * {@code start} logs nothing at all: its stderr would corrupt the address containerd reads.
 */
final class ShimLogging {

    private ShimLogging() {
    }

    static void silence() {
        LogManager.getLogManager().reset();
        Logger.getLogger("").setLevel(Level.OFF);
    }

    static void toStderr(boolean debug, String namespace, String runtime) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        Level level = debug ? Level.FINE : Level.INFO;
        root.setLevel(level);
        Handler handler = new ConsoleHandler();   // writes to System.err
        handler.setLevel(level);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                String message = formatMessage(record).replace("\\", "\\\\").replace("\"", "\\\"");
                StringBuilder line = new StringBuilder()
                        .append("time=\"").append(Instant.ofEpochMilli(record.getMillis())).append("\" ")
                        .append("level=").append(levelName(record.getLevel())).append(' ')
                        .append("msg=\"").append(message).append("\" ")
                        .append("namespace=").append(namespace).append(' ')
                        .append("runtime=").append(runtime);
                if (record.getThrown() != null) {
                    line.append(" error=\"").append(String.valueOf(record.getThrown()).replace("\"", "'")).append('"');
                }
                return line.append('\n').toString();
            }
        });
        root.addHandler(handler);
    }

    private static String levelName(Level level) {
        if (level.intValue() >= Level.SEVERE.intValue()) {
            return "error";
        }
        if (level.intValue() >= Level.WARNING.intValue()) {
            return "warning";
        }
        if (level.intValue() >= Level.INFO.intValue()) {
            return "info";
        }
        return "debug";
    }
}
