package lab08_survive_containerd.exercise;

import java.nio.file.Path;

import lab08_survive_containerd.Lab08;

/**
 * Lab 08 stretch exercise: containerd 2.x's way to a shim's address. Its own: restoreBootstrapParams and
 * makeConnection in containerd 2.x's core/runtime/v2. JSON: dev.jrunc.shim.json.Json (parse, write).
 * Check it with {@code ./verify.sh lab08 --stretch}.
 */
public final class BootstrapStretch implements Lab08.Stretch {

    @Override
    public String ttrpcAddress(Path bundle) throws Exception {
        // TODO(lab08): containerd 2.x keeps a shim's bootstrap parameters in the bundle's bootstrap.json:
        //   {"version":2,"address":"unix:///…","protocol":"ttrpc"}. Where there is none (a bundle of containerd 1.x,
        //   with only `address`), it migrates: it writes that file, version 2, protocol ttrpc, the address from
        //   `address`. Return the address to dial; this client speaks ttrpc only, so refuse any other protocol with an
        //   exception that names it.
        return null;
    }
}
