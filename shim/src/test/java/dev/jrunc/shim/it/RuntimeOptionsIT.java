package dev.jrunc.shim.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jrunc.testkit.Containerd;
import dev.jrunc.testkit.WithPrivateContainerd;

/**
 * Runtime options through a real client: {@code ctr run --runtime-config-path} sends runtimeoptions.v1.Options
 * (as CRI does for a non-runc runtime type); our TOML names runc's options. The runc binary, its root and the
 * shim's cgroup must all follow them — also in the {@code delete} subcommand, which reads options.json back.
 */
@WithPrivateContainerd
class RuntimeOptionsIT {

    @Test
    void binaryRootAndShimCgroupFollowTheOptions(Containerd containerd) throws Exception {
        Path dir = Files.createDirectories(containerd.dir().resolve("options-it"));
        Path log = dir.resolve("runc-calls.log");
        Path wrapper = dir.resolve("runc-wrapper");
        Files.writeString(wrapper, "#!/bin/sh\necho \"$*\" >> " + log + "\nexec " + runc() + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = dir.resolve("runc-root");
        String cgroup = "/jrunc-it-shims";
        // cgroup v1 (this project's machines): the pids hierarchy; pure cgroup v2: the unified one
        Path pidsCgroup = Files.createDirectories(Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))
                ? Path.of("/sys/fs/cgroup" + cgroup) : Path.of("/sys/fs/cgroup/pids" + cgroup));
        Path toml = dir.resolve("jrunc.toml");
        Files.writeString(toml, "BinaryName = \"" + wrapper + "\"\nRoot = \"" + root + "\"\nShimCgroup = \"" + cgroup + "\"\n");
        try {
            containerd.ctr("run", "-d", "--runtime", Containerd.JRUNC_RUNTIME, "--runtime-config-path", toml.toString(),
                    "--env", Containerd.PATH_ENV, "--rootfs", containerd.busyboxRootfs().toString(), "opts", "sleep", "600")
                    .assertOk();
            long shim = Procs.ppid(Procs.taskPid(containerd, "opts"));
            Path bundle = containerd.bundle("opts");

            String calls = Files.readString(log);
            assertTrue(calls.contains("--root " + root + "/" + containerd.namespace()) && calls.contains(" create "), calls);
            assertTrue(Files.isDirectory(root.resolve(containerd.namespace()).resolve("opts")), "runc's state under the given root");
            assertEquals(wrapper.toString(), Files.readString(bundle.resolve("runtime")));
            assertTrue(Files.readString(bundle.resolve("options.json")).contains("\"binary_name\":\"" + wrapper + "\""));
            assertTrue(Files.readAllLines(pidsCgroup.resolve("cgroup.procs")).contains(Long.toString(shim)),
                    "the shim joined its cgroup");

            // The shim dies: containerd's clean-up (our delete subcommand, with runc state left to remove) must
            // find runc and its root through options.json alone.
            ProcessHandle.of(shim).orElseThrow().destroyForcibly();
            Procs.await("the delete subcommand ran runc delete --force through the wrapper",
                    () -> Containerd.readFile(log).contains("--root " + root + "/" + containerd.namespace())
                            && Containerd.readFile(log).contains("delete --force opts"));
            Procs.await("runc's state is gone", () -> !Files.exists(root.resolve(containerd.namespace()).resolve("opts")));
            Procs.await("the task is gone", () -> !containerd.ctr("task", "ls", "-q").stdoutLines().contains("opts"));
            containerd.ctr("container", "rm", "opts").assertOk();
        } finally {
            Procs.await("the shims' cgroup is empty", () -> Containerd.readFile(pidsCgroup.resolve("cgroup.procs")).lines()
                    .allMatch(pid -> !kit.Procs.alive(Long.parseLong(pid)) || "Z".equals(Procs.state(Long.parseLong(pid)))));
            Files.deleteIfExists(pidsCgroup);
        }
    }

    private static String runc() {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, "runc"))) {
                return dir + "/runc";
            }
        }
        throw new AssertionError("runc not found");
    }
}
