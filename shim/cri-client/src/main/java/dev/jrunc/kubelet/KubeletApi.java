package dev.jrunc.kubelet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * kubelet's own HTTP API, the one the API server uses to reach a node: {@code /pods} (what kubelet runs and each
 * pod's status), {@code /run} (a command in a container: CRI ExecSync), {@code /containerLogs}, and {@code /healthz}
 * on its health port.
 *
 * <p>kubelet serves it over TLS with a certificate it made itself at its first start ({@link
 * StandaloneKubelet#certificate()}); that certificate, and no other, is trusted here. (It names the node, not
 * 127.0.0.1; curl does the same with {@code --cacert <that file> --resolve <node>:<port>:127.0.0.1}.)
 */
public final class KubeletApi {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final StandaloneKubelet kubelet;
    private final HttpClient plain = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private HttpClient tls;

    public KubeletApi(StandaloneKubelet kubelet) {
        this.kubelet = kubelet;
    }

    /** An answer: the HTTP status and the body. */
    public record Answer(int status, String body) {
        public boolean ok() {
            return status == 200;
        }
    }

    /** True when {@code /healthz} answers "ok" (kubelet is up; the pods may still be starting). */
    public boolean healthy() {
        try {
            HttpResponse<String> r = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + kubelet.healthzPort() + "/healthz"))
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().equals("ok");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code GET /pods}: the pods kubelet runs, as it reports them (a PodList), parsed. */
    public List<PodStatusView> pods() throws IOException {
        Answer a = get("/pods");
        if (!a.ok()) {
            throw new IOException("GET /pods answered " + a.status() + ": " + a.body());
        }
        return PodStatusView.fromPodList(a.body());
    }

    /**
     * {@code POST /run/<namespace>/<pod>/<container>?cmd=…}: kubelet splits the command at spaces and runs it with
     * CRI ExecSync; a command that exits non-zero is answered with status 500 and its output in the message.
     */
    public Answer run(String namespace, String pod, String container, String command) throws IOException {
        return send("POST", "/run/" + namespace + "/" + pod + "/" + container + "?cmd=" + URLEncoder.encode(command, StandardCharsets.UTF_8));
    }

    /** {@code GET /containerLogs/<namespace>/<pod>/<container>}, of the running container or the one before. */
    public Answer containerLogs(String namespace, String pod, String container, boolean previous) throws IOException {
        return get("/containerLogs/" + namespace + "/" + pod + "/" + container + (previous ? "?previous=true" : ""));
    }

    public Answer get(String path) throws IOException {
        return send("GET", path);
    }

    private Answer send(String method, String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + kubelet.port() + path))
                .timeout(TIMEOUT).method(method, HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<String> r = tls().send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Made on first use: kubelet writes its certificate only once it runs. */
    private synchronized HttpClient tls() throws IOException {
        if (tls == null) {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new javax.net.ssl.TrustManager[] {new PinnedCertificate(readCertificate())}, null);
                tls = HttpClient.newBuilder().sslContext(context).connectTimeout(TIMEOUT).build();
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot set up TLS for kubelet's API: " + e.getMessage(), e);
            }
        }
        return tls;
    }

    private X509Certificate readCertificate() throws IOException {
        try {
            byte[] pem = Files.readAllBytes(kubelet.certificate());
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
        } catch (CertificateException e) {
            throw new IOException("no certificate in " + kubelet.certificate() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Trusts exactly one server certificate: kubelet's own, read from its file. A trust manager of this kind is
     * also where the name check would happen; there is none, since the certificate is compared whole.
     */
    private static final class PinnedCertificate extends X509ExtendedTrustManager {
        private final X509Certificate expected;

        PinnedCertificate(X509Certificate expected) {
            this.expected = expected;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0 || !chain[0].equals(expected)) {
                throw new CertificateException("not the certificate kubelet wrote into its cert dir");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
