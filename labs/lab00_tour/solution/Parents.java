package lab00_tour.solution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import lab00_tour.Lab00;
import lab00_tour.Lab00.Stat;

/**
 * Lab 00 solution: the name runs from the first '(' to the LAST ')'; the numbered fields follow, one space apart.
 * A name can hold anything but '/' and NUL (15 bytes at most), so nothing in it can be trusted as a separator.
 */
public final class Parents implements Lab00.Exercise {

    @Override
    public Stat stat(int pid) throws IOException {
        String line = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        String comm = line.substring(open + 1, close);
        // After ") ": state ppid pgrp session tty_nr …
        String[] fields = line.substring(close + 2).split(" ");
        return new Stat(Integer.parseInt(line.substring(0, open).trim()), comm, fields[0].charAt(0),
                Integer.parseInt(fields[1]), Integer.parseInt(fields[2]), Integer.parseInt(fields[3]));
    }

    @Override
    public List<Integer> ancestry(int pid) throws IOException {
        List<Integer> chain = new ArrayList<>();
        for (int p = pid; p != 0; p = stat(p).ppid()) {
            chain.add(p);
        }
        return chain;
    }
}
