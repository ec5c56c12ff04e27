package dev.jrunc.testkit;

import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension: one private containerd per test class, started before the first test (through
 * {@code shim/scripts/private-containerd.sh}) and always stopped and cleaned after the last one, also when tests
 * fail. A JVM shutdown hook stops it as a last resort (e.g. Ctrl-C).
 *
 * <pre>{@code
 * @ExtendWith(PrivateContainerdExtension.class)   // or @WithPrivateContainerd(namespace = "x", cri = true)
 * class MyIT {
 *     @Test void echo(Containerd containerd) {
 *         CtrResult r = containerd.runBusybox(Containerd.JRUNC_RUNTIME, "c1", "echo", "hello");
 *         assertEquals("hello\n", r.stdout(), r::toString);
 *     }
 * }
 * }</pre>
 *
 * <p>The folder is {@code /run/jrunc/it-<class name>} (lowercase, shortened), so a crashed earlier run is
 * cleaned by the next one; the namespace is {@code jrunc-it}. It fails the class with a clear message, never
 * skips, when the machine is not fit (not root, no containerd, ctr, runc or busybox-static).
 */
public class PrivateContainerdExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    public static final String DEFAULT_NAMESPACE = "jrunc-it";
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(PrivateContainerdExtension.class);
    private static final String KEY = "containerd";

    @Override
    public void beforeAll(ExtensionContext context) {
        containerdFor(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Containerd c;
        try {
            c = classContext(context).getStore(STORE).remove(KEY, Containerd.class);
        } catch (RuntimeException startFailed) {
            return; // it never started; beforeAll has reported why
        }
        if (c != null) {
            c.stop();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == Containerd.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return containerdFor(extensionContext);
    }

    /** Started on first use, so that constructor injection works whatever the test instance lifecycle. */
    private static Containerd containerdFor(ExtensionContext context) {
        ExtensionContext classContext = classContext(context);
        return classContext.getStore(STORE).getOrComputeIfAbsent(KEY, k -> start(classContext), Containerd.class);
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    private static Containerd start(ExtensionContext classContext) {
        Class<?> testClass = classContext.getRequiredTestClass();
        WithPrivateContainerd settings = AnnotationSupport
                .findAnnotation(testClass, WithPrivateContainerd.class).orElse(null);
        String namespace = settings != null ? settings.namespace() : DEFAULT_NAMESPACE;
        boolean cri = settings != null && settings.cri();
        String name = settings != null && !settings.name().isEmpty() ? settings.name() : "it-" + shortName(testClass);
        Path dir = Testkit.fixtureRoot().resolve(name);
        Testkit.checkPrerequisites(); // fails (never skips) with what is missing and how to install it
        Testkit.busyboxRootfs(); // built now, so that a problem with it fails here, clearly
        java.util.Map<String, String> env = new java.util.HashMap<>();
        for (String entry : settings != null ? settings.env() : new String[0]) {
            int equals = entry.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("@WithPrivateContainerd(env) entries are NAME=value, not " + entry);
            }
            env.put(entry.substring(0, equals), entry.substring(equals + 1));
        }
        return Containerd.start(dir, namespace, cri, env);
    }

    /** {@code PrivateContainerdIT} → {@code privatecontainerdit}, at most 24 characters (socket paths are short). */
    static String shortName(Class<?> c) {
        String s = c.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        return s.length() > 24 ? s.substring(0, 24) : s.isEmpty() ? "anon" : s;
    }
}
