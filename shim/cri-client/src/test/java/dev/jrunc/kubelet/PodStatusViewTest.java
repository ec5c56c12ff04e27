package dev.jrunc.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class PodStatusViewTest {

    /** Shaped like kubelet's /pods answer (fields trimmed). */
    private static final String POD_LIST = """
            {"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
             {"metadata":{"name":"crash-n","namespace":"default","uid":"u1"},
              "status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"False"}],
               "containerStatuses":[{"name":"app","ready":false,"restartCount":2,
                 "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 20s"}},
                 "lastState":{"terminated":{"exitCode":3,"reason":"Error"}},
                 "containerID":"containerd://abc123"}]}},
             {"metadata":{"name":"shared-n","namespace":"other","uid":"u2"},
              "status":{"phase":"Pending",
               "initContainerStatuses":[{"name":"init","ready":true,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}},"lastState":{}}],
               "containerStatuses":[{"name":"first","ready":false,"restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}},"lastState":{}}]}}
            ]}""";

    @Test
    void theFieldsKubectlShows() {
        List<PodStatusView> pods = PodStatusView.fromPodList(POD_LIST);
        assertEquals(2, pods.size());
        PodStatusView crash = pods.get(0);
        assertEquals("default/crash-n", crash.fullName());
        assertEquals("Running", crash.phase());
        assertEquals("False", crash.ready());
        PodStatusView.ContainerView app = crash.container("app");
        assertEquals(new PodStatusView.ContainerView("app", false, 2, "waiting", "CrashLoopBackOff", null, "terminated", "Error", 3L, "abc123"), app);

        PodStatusView shared = pods.get(1);
        assertEquals("", shared.ready(), "no Ready condition yet");
        assertEquals("terminated", shared.initContainers().get(0).state());
        assertEquals(0L, shared.initContainers().get(0).exitCode());
        assertEquals("", shared.container("first").lastState());
        assertNull(shared.container("nope"));
    }

    @Test
    void anEmptyListOrNoItems() {
        assertEquals(List.of(), PodStatusView.fromPodList("{\"kind\":\"PodList\",\"items\":[]}"));
        assertEquals(List.of(), PodStatusView.fromPodList("{}"));
    }
}
