package dev.jrunc.shim.mount;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns fstab-style option strings ({@code ro}, {@code nosuid}, {@code lowerdir=…}) into what mount(2) takes:
 * a flags word, a data string for the file system, and an optional propagation change (a separate mount call).
 */
public record MountOptions(long flags, String data, long propagation) {
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_SYNCHRONOUS = 16;
    public static final long MS_REMOUNT = 32;
    public static final long MS_MANDLOCK = 64;
    public static final long MS_DIRSYNC = 128;
    public static final long MS_NOATIME = 1024;
    public static final long MS_NODIRATIME = 2048;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_UNBINDABLE = 1 << 17;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;
    public static final long MS_RELATIME = 1 << 21;
    public static final long MS_STRICTATIME = 1 << 24;

    /** option -> {set?, flag}: "ro" sets MS_RDONLY, "rw" clears it. */
    private record Flag(boolean set, long flag) {
    }

    private static final Map<String, Flag> FLAGS = Map.ofEntries(
            Map.entry("async", new Flag(false, MS_SYNCHRONOUS)),
            Map.entry("atime", new Flag(false, MS_NOATIME)),
            Map.entry("bind", new Flag(true, MS_BIND)),
            Map.entry("defaults", new Flag(false, 0)),
            Map.entry("dev", new Flag(false, MS_NODEV)),
            Map.entry("diratime", new Flag(false, MS_NODIRATIME)),
            Map.entry("dirsync", new Flag(true, MS_DIRSYNC)),
            Map.entry("exec", new Flag(false, MS_NOEXEC)),
            Map.entry("mand", new Flag(true, MS_MANDLOCK)),
            Map.entry("noatime", new Flag(true, MS_NOATIME)),
            Map.entry("nodev", new Flag(true, MS_NODEV)),
            Map.entry("nodiratime", new Flag(true, MS_NODIRATIME)),
            Map.entry("noexec", new Flag(true, MS_NOEXEC)),
            Map.entry("nomand", new Flag(false, MS_MANDLOCK)),
            Map.entry("norelatime", new Flag(false, MS_RELATIME)),
            Map.entry("nostrictatime", new Flag(false, MS_STRICTATIME)),
            Map.entry("nosuid", new Flag(true, MS_NOSUID)),
            Map.entry("rbind", new Flag(true, MS_BIND | MS_REC)),
            Map.entry("relatime", new Flag(true, MS_RELATIME)),
            Map.entry("remount", new Flag(true, MS_REMOUNT)),
            Map.entry("ro", new Flag(true, MS_RDONLY)),
            Map.entry("rw", new Flag(false, MS_RDONLY)),
            Map.entry("strictatime", new Flag(true, MS_STRICTATIME)),
            Map.entry("suid", new Flag(false, MS_NOSUID)),
            Map.entry("sync", new Flag(true, MS_SYNCHRONOUS)));

    private static final Map<String, Long> PROPAGATION = Map.of(
            "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC,
            "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
            "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC,
            "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

    public static MountOptions parse(List<String> options) {
        long flags = 0;
        long propagation = 0;
        List<String> data = new ArrayList<>();
        for (String option : options) {
            Flag flag = FLAGS.get(option);
            Long change = PROPAGATION.get(option);
            if (flag != null) {
                flags = flag.set() ? flags | flag.flag() : flags & ~flag.flag();
            } else if (change != null) {
                propagation |= change;
            } else if (option.equals("loop")) {
                throw new IllegalArgumentException("jrunc: loop mounts are not supported");
            } else {
                data.add(option);
            }
        }
        return new MountOptions(flags, String.join(",", data), propagation);
    }

    public boolean isBind() {
        return (flags & MS_BIND) != 0;
    }
}
