package dev.grpcpair.common.security;

import com.google.common.base.Throwables;
import dev.grpcpair.common.observability.RateLimitedLog;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.slf4j.LoggerFactory;

/**
 * One log line per failed TLS handshake, saying what the client most likely got wrong: a plaintext
 * client on a TLS port, no client certificate where mutual TLS requires one, a certificate from
 * another CA. Without it such a client waits for its own timeout and the server says nothing:
 * grpc-java records the cause only at FINE, with a stack trace, among grpc's own messages that the
 * servers' logging keeps quiet.
 *
 * <p>It listens to the grpc-netty handler that records a connection's failure and picks out the TLS
 * ones (nothing else is passed on, as before), writing at most one line a second and counting the
 * rest ({@link RateLimitedLog}).
 */
final class TlsHandshakeLog extends Handler {

  private static final RateLimitedLog log =
      new RateLimitedLog(LoggerFactory.getLogger(TlsHandshakeLog.class));

  /** Held here: java.util.logging keeps its loggers (and their levels) only weakly. */
  private static final java.util.logging.Logger NETTY_FAILURES =
      java.util.logging.Logger.getLogger(
          "io.grpc.netty.shaded.io.grpc.netty.WriteBufferingAndExceptionHandler");

  private static final TlsHandshakeLog INSTANCE = new TlsHandshakeLog();

  private TlsHandshakeLog() {}

  /** Starts listening; once per process, whatever the number of TLS servers. */
  static synchronized void install() {
    if (NETTY_FAILURES.getLevel() != Level.FINE) {
      NETTY_FAILURES.setLevel(Level.FINE);
      NETTY_FAILURES.setUseParentHandlers(false);
      NETTY_FAILURES.addHandler(INSTANCE);
    }
  }

  @Override
  public void publish(LogRecord record) {
    Throwable cause =
        record.getThrown() == null ? null : Throwables.getRootCause(record.getThrown());
    if (cause == null || !isTls(cause)) {
      return;
    }
    log.info(() -> "a client's TLS handshake failed: " + explain(cause));
  }

  private static boolean isTls(Throwable cause) {
    return cause instanceof javax.net.ssl.SSLException
        || cause.getClass().getSimpleName().equals("NotSslRecordException");
  }

  static String explain(Throwable cause) {
    String message = String.valueOf(cause.getMessage());
    if (cause.getClass().getSimpleName().equals("NotSslRecordException")) {
      return "it did not speak TLS (a plaintext client on this TLS port?)";
    }
    // The JDK's and BoringSSL's (netty-tcnative's) words for the same failures.
    if (message.contains("Empty client certificate chain")
        || message.contains("certificate_required")
        || message.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")) {
      return "it sent no client certificate, which --tls-client-ca requires";
    }
    if (message.contains("PKIX")
        || message.contains("certification path")
        || message.contains("CERTIFICATE_VERIFY_FAILED")) {
      return "its certificate is not signed by a CA in --tls-client-ca";
    }
    if (message.contains("ALERT_UNKNOWN_CA")
        || message.contains("ALERT_BAD_CERTIFICATE")
        || message.contains("ALERT_CERTIFICATE_UNKNOWN")) {
      return "it refused this server's certificate (does it trust the CA that signed it, and"
          + " does the certificate carry the name it asked for?)";
    }
    String text = cause.getClass().getSimpleName() + ": " + message;
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
