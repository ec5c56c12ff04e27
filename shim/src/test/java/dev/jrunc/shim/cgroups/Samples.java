package dev.jrunc.shim.cgroups;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Cgroup files as the kernel writes them. Unless a comment says otherwise they were captured on the reference
 * machine (Debian 12, kernel 6.x, cgroup v1 + v2 hybrid) from a busybox {@code sleep 600} container that
 * containerd 1.6.20 ran with the Go shim and {@code --memory-limit 33554432}: memory cgroup /cgx/g1.
 */
final class Samples {

    private Samples() {
    }

    static final String PROC_PID_CGROUP_HYBRID = """
            9:name=systemd:/cgx/g1
            8:pids:/cgx/g1
            7:blkio:/cgx/g1
            6:freezer:/cgx/g1
            5:devices:/cgx/g1
            4:memory:/cgx/g1
            3:cpuset:/cgx/g1
            2:cpuacct:/cgx/g1
            1:cpu:/cgx/g1
            0::/cgx/g1
            """;

    /** The shim's /proc/self/mountinfo on that machine (lines 21-40 of it). */
    static final String MOUNTINFO_HYBRID = """
            21 26 0:20 / /proc rw,relatime - proc proc rw
            22 26 0:21 / /sys rw,relatime - sysfs sysfs rw
            26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
            30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
            36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
            37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
            38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;

    static final String MEMORY_STAT = """
            cache 0
            rss 53248
            rss_huge 0
            shmem 0
            mapped_file 0
            dirty 0
            writeback 0
            workingset_refault_anon 0
            workingset_refault_file 0
            swap 0
            swapcached 0
            pgpgin 411
            pgpgout 398
            pgfault 686
            pgmajfault 0
            inactive_anon 49152
            active_anon 4096
            inactive_file 0
            active_file 0
            unevictable 0
            hierarchical_memory_limit 33554432
            hierarchical_memsw_limit 9223372036854771712
            total_cache 0
            total_rss 53248
            total_rss_huge 0
            total_shmem 0
            total_mapped_file 0
            total_dirty 0
            total_writeback 0
            total_workingset_refault_anon 0
            total_workingset_refault_file 0
            total_swap 0
            total_swapcached 0
            total_pgpgin 411
            total_pgpgout 398
            total_pgfault 686
            total_pgmajfault 0
            total_inactive_anon 49152
            total_active_anon 4096
            total_inactive_file 0
            total_active_file 0
            total_unevictable 0
            """;

    static final String MEMORY_OOM_CONTROL = """
            oom_kill_disable 0
            under_oom 0
            oom_kill 0
            """;

    /** v1 cpu.stat (kernel 6.x adds the burst lines). */
    static final String CPU_STAT_V1 = """
            nr_periods 0
            nr_throttled 0
            throttled_time 0
            nr_bursts 0
            burst_time 0
            """;

    static final String CPUACCT_STAT = """
            user 3
            system 1
            """;

    /** Note the trailing space the kernel writes. */
    static final String CPUACCT_USAGE_PERCPU = "8204948 36806850 \n";

    static final String PROC_PARTITIONS = """
            major minor  #blocks  name

             254        0  268435456 vda
            """;

    /** The unified hierarchy's cpu.stat of the same container (v2 core figures; the cpu controller is on v1). */
    static final String CPU_STAT_V2 = """
            usage_usec 45011
            user_usec 31508
            system_usec 13503
            nice_usec 0
            """;

    static final String CGROUP_EVENTS_POPULATED = """
            populated 1
            frozen 0
            """;

    /*
     * The reference machine's v2 hierarchy holds no memory or io controller (they are on v1), so the following
     * are not captured: they follow the format of Documentation/admin-guide/cgroup-v2.rst for kernel 6.1.
     */

    static final String MEMORY_STAT_V2 = """
            anon 1343488
            file 4096
            kernel 270336
            kernel_stack 32768
            pagetables 28672
            sec_pagetables 0
            percpu 0
            sock 0
            vmalloc 0
            shmem 0
            zswap 0
            zswapped 0
            file_mapped 0
            file_dirty 0
            file_writeback 0
            swapcached 0
            anon_thp 0
            file_thp 0
            shmem_thp 0
            inactive_anon 1339392
            active_anon 4096
            inactive_file 4096
            active_file 0
            unevictable 0
            slab_reclaimable 54040
            slab_unreclaimable 116984
            slab 171024
            workingset_refault_anon 0
            workingset_refault_file 0
            workingset_activate_anon 0
            workingset_activate_file 0
            workingset_restore_anon 0
            workingset_restore_file 0
            workingset_nodereclaim 0
            pgscan 0
            pgsteal 0
            pgscan_kswapd 0
            pgscan_direct 0
            pgsteal_kswapd 0
            pgsteal_direct 0
            pgfault 1027
            pgmajfault 0
            pgrefill 0
            pgactivate 1
            pgdeactivate 0
            pglazyfree 0
            pglazyfreed 0
            thp_fault_alloc 0
            thp_collapse_alloc 0
            """;

    static final String IO_STAT = """
            254:0 rbytes=1048576 wbytes=2097152 rios=16 wios=32 dbytes=0 dios=0
            8:16 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0
            """;

    static final String MEMORY_EVENTS_AFTER_OOM_KILL = """
            low 0
            high 0
            max 37
            oom 1
            oom_kill 1
            oom_group_kill 0
            """;

    /** Writes {@code text} to {@code dir/name}, creating the folders. */
    static Path write(Path dir, String name, String text) {
        try {
            Files.createDirectories(dir);
            return Files.writeString(dir.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
