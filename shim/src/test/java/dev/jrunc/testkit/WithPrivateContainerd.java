package dev.jrunc.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the test class one private containerd (see {@link PrivateContainerdExtension}); test methods and the
 * constructor receive it as a {@link Containerd} parameter. Same as {@code @ExtendWith(PrivateContainerdExtension.class)}
 * with settings.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PrivateContainerdExtension.class)
public @interface WithPrivateContainerd {

    /** containerd namespace for ctr. */
    String namespace() default PrivateContainerdExtension.DEFAULT_NAMESPACE;

    /** Fixture folder name under /run/jrunc; empty means {@code it-<class name>}. Keep it short. */
    String name() default "";

    /**
     * Keep containerd's CRI plugin enabled (handlers runc and jrunc, images imported into k8s.io; CRI itself works in
     * namespace k8s.io, so CRI tests usually also set {@code namespace = "k8s.io"} for their ctr calls).
     */
    boolean cri() default false;

    /**
     * More environment for containerd, and so for the shims it starts, as {@code NAME=value} (e.g. the shared shim's
     * {@code JRUNC_SHARED_LINGER}); kept across {@link Containerd#restart()}.
     */
    String[] env() default {};
}
