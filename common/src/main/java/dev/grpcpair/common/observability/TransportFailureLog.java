package dev.grpcpair.common.observability;

import io.grpc.Status;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * grpc-java logs every call its transport fails because of the client's message (a length prefix
 * over {@code --max-inbound-message-size}, a gzip message that inflates past it) at WARNING with a
 * stack trace: 4.4 KB of log for 5 bytes a client sends, 87 MB for 20,000 such calls. Here each
 * kind of failure gets at most one line a second, with a count of the ones folded in ({@link
 * RateLimitedLog}); the access log still has each call with its status.
 */
public final class TransportFailureLog extends Handler {

  private static final Logger log = LoggerFactory.getLogger(TransportFailureLog.class);

  /** Held here: java.util.logging keeps its loggers (and their handlers) only weakly. */
  private static final java.util.logging.Logger STREAM_FAILURES =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

  /** Kinds are few (a status code and an exception type); past this, they share one line. */
  private static final int MAX_KINDS = 32;

  private static final TransportFailureLog INSTANCE = new TransportFailureLog();

  private final RateLimitedLog.Kinds kinds = new RateLimitedLog.Kinds(MAX_KINDS, k -> log, log);

  private TransportFailureLog() {}

  /** Starts listening; once per process, whatever the number of servers. */
  public static synchronized void install() {
    if (STREAM_FAILURES.getUseParentHandlers()) {
      STREAM_FAILURES.setUseParentHandlers(false);
      STREAM_FAILURES.addHandler(INSTANCE);
    }
  }

  @Override
  public void publish(LogRecord record) {
    Throwable thrown = record.getThrown();
    Status status = thrown == null ? Status.UNKNOWN : Status.fromThrowable(thrown);
    String kind = status.getCode() + (thrown == null ? "" : " " + thrown.getClass().getName());
    kinds
        .of(kind)
        .info(
            () ->
                "a client's call failed in the transport ("
                    + record.getMessage()
                    + "): "
                    + status.getCode()
                    + (status.getDescription() == null ? "" : ": " + status.getDescription()));
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
