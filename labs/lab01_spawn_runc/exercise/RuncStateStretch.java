package lab01_spawn_runc.exercise;

import java.nio.file.Path;

import lab01_spawn_runc.Lab01;
import lab01_spawn_runc.Lab01.ContainerState;
import lab01_spawn_runc.Lab01.RuncSetup;

/**
 * Lab 01 stretch exercise: what runc says about a container. Check it with {@code ./verify.sh lab01 --stretch}.
 */
public final class RuncStateStretch implements Lab01.Stretch {

    @Override
    public ContainerState state(RuncSetup runc, String id, Path bundle) throws Exception {
        // TODO(lab01): run `runc state <id>` as you ran create (same global options, through the Reaper), and return
        //   the "status" and "pid" of the JSON it prints on its stdout. Where does that output go so that you can
        //   read it once runc has exited? (The shim's Runc.ps has the same problem.) When runc fails, throw with
        //   runc's reason, as in your create. The lab asks about a running container, a dead one and one that
        //   does not exist.
        return new ContainerState("unknown", -1);
    }
}
