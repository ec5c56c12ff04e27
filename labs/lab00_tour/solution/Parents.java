package lab00_tour.solution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import lab00_tour.Lab00;

/** Lab 00 solution: the parent pid is the second field after the command name in /proc/<pid>/stat. */
public final class Parents implements Lab00.Exercise {

    @Override
    public int parentOf(int pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        // After "pid (comm) " come: state, ppid, pgrp, session, ... The name ends at the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[1]);
    }
}
