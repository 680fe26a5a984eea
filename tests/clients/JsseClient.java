// A JSSE client for tests/clients/capture.py and tests/integration/test_clients.py:
// one HTTPS handshake with the JDK's default SSLSocketFactory settings (the
// protocols, suites, groups and schemes the JDK enables by default), trusting
// the CA file given (or every certificate with "-"), then prints what was
// negotiated: "PROTOCOL SUITE" on stdout, or "FAIL <exception>".
//   java JsseClient.java HOST PORT CAFILE|-
import java.io.FileInputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class JsseClient {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        TrustManager[] tms;
        if (args[2].equals("-")) {
            tms = new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) {}
                public void checkServerTrusted(X509Certificate[] c, String a) {}
                public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }};
        } else {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            try (FileInputStream in = new FileInputStream(args[2])) {
                ks.setCertificateEntry("ca", cf.generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            tms = tmf.getTrustManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tms, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
            s.setSoTimeout(10000);
            s.startHandshake();
            System.out.println(s.getSession().getProtocol() + " " + s.getSession().getCipherSuite());
        } catch (Exception e) {
            System.out.println("FAIL " + e);
        }
    }
}
