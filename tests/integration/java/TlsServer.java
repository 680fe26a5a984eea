// A small JSSE (Java 17) TLS server for tlsaudit's integration tests.
//
//   java [-Djdk.tls.namedGroups=g1,g2] -cp DIR TlsServer --port P
//        --keystore a.p12 [--keystore b.p12 ...] --password PW
//        [--protocols TLSv1.3,TLSv1.2] [--suites S1,S2,...]
//        [--server-order true|false] [--print-defaults]
//
// Binds 127.0.0.1:P only. Every PKCS#12 file given is loaded and its key
// entries are copied into one in-memory key store (alias "k<i>"), so one
// server can hold an RSA and an EC key: JSSE's key manager picks the key
// per handshake (by the suite's key type in TLS 1.2, by the client's
// signature_algorithms in TLS 1.3). Each connection: handshake, read one
// line (or EOF), answer "ok", close. Session caching and tickets are JSSE's
// defaults (resumption works). On stdout: the enabled protocols, suites and
// named groups as JSSE reports them, then "READY <port>".
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

public final class TlsServer {
    public static void main(String[] args) throws Exception {
        int port = 0;
        List<String> stores = new ArrayList<>();
        String password = "changeit";
        String[] protocols = null;
        String[] suites = null;
        Boolean serverOrder = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--port": port = Integer.parseInt(v); i++; break;
                case "--keystore": stores.add(v); i++; break;
                case "--password": password = v; i++; break;
                case "--protocols": protocols = v.split(","); i++; break;
                case "--suites": suites = v.split(","); i++; break;
                case "--server-order": serverOrder = Boolean.valueOf(v); i++; break;
                default: throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        char[] pw = password.toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int n = 0;
        for (String path : stores) {
            KeyStore in = KeyStore.getInstance("PKCS12");
            try (FileInputStream f = new FileInputStream(path)) {
                in.load(f, pw);
            }
            for (Enumeration<String> e = in.aliases(); e.hasMoreElements();) {
                String alias = e.nextElement();
                if (!in.isKeyEntry(alias))
                    continue;
                Key k = in.getKey(alias, pw);
                Certificate[] chain = in.getCertificateChain(alias);
                ks.setKeyEntry("k" + (n++), k, pw, chain);
            }
        }
        if (n == 0)
            throw new IllegalArgumentException("no key entry in the key stores");
        KeyManagerFactory kmf =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);

        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(port, 128, InetAddress.getByName("127.0.0.1"));
        SSLParameters p = ss.getSSLParameters();
        if (protocols != null)
            p.setProtocols(protocols);
        if (suites != null)
            p.setCipherSuites(suites);
        if (serverOrder != null)
            p.setUseCipherSuitesOrder(serverOrder);
        ss.setSSLParameters(p);
        p = ss.getSSLParameters();
        System.out.println("PROTOCOLS " + String.join(",", p.getProtocols()));
        System.out.println("SUITES " + String.join(",", p.getCipherSuites()));
        System.out.println("SERVER_ORDER " + p.getUseCipherSuitesOrder());
        System.out.println("NAMED_GROUPS "
                + System.getProperty("jdk.tls.namedGroups", "(default)"));
        System.out.println("READY " + ss.getLocalPort());
        System.out.flush();

        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        while (true) {
            Socket s = ss.accept();
            pool.execute(() -> serve((SSLSocket) s));
        }
    }

    private static void serve(SSLSocket s) {
        try (SSLSocket sock = s) {
            sock.setSoTimeout(10000);
            sock.startHandshake();
            BufferedReader r = new BufferedReader(
                    new InputStreamReader(sock.getInputStream(), StandardCharsets.US_ASCII));
            r.readLine();
            OutputStream o = sock.getOutputStream();
            o.write("ok\n".getBytes(StandardCharsets.US_ASCII));
            o.flush();
        } catch (Exception e) {
            // refused hellos, resets and timeouts are the normal case during a scan
        }
    }
}
