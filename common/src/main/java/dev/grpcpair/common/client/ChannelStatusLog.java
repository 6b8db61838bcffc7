package dev.grpcpair.common.client;

import com.google.common.base.Throwables;
import dev.grpcpair.common.observability.RateLimitedLog;
import io.grpc.Status;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * grpc's channel logs a target it cannot resolve at WARNING with the status the resolver gave, and
 * a status prints its cause's stack trace: fifteen lines at each of the resolver's retries, for a
 * mistyped {@code --user-target} or, at every fresh deploy, for a headless Service that has no
 * ready User pod yet. Such a line is written here on one line instead, the status as {@code
 * UNAVAILABLE: Unable to resolve host user (cause: java.net.UnknownHostException: ...)}, at most
 * one a second per kind of line ({@link RateLimitedLog}). Lines without a status, and those that
 * carry an exception of their own (grpc's bugs, which want their stack trace), pass unchanged.
 *
 * <p>It filters the logger of grpc's channel implementation, an internal class: {@code
 * ChannelStatusLogTest} fails if grpc stops logging a failed resolution there, or starts printing a
 * stack trace again.
 */
final class ChannelStatusLog implements Filter {

  /** Held here: java.util.logging keeps its loggers (and their filters) only weakly. */
  private static final java.util.logging.Logger CHANNEL =
      java.util.logging.Logger.getLogger("io.grpc.internal.ManagedChannelImpl");

  /** The kinds are grpc's few messages; past this, they share one line a second. */
  private static final int MAX_KINDS = 16;

  private static final Logger log = LoggerFactory.getLogger(CHANNEL.getName());

  private static final ChannelStatusLog INSTANCE = new ChannelStatusLog();

  /** A line a second for each of grpc's messages. */
  private final RateLimitedLog.Kinds kinds = new RateLimitedLog.Kinds(MAX_KINDS, k -> log, log);

  private ChannelStatusLog() {}

  /** Starts filtering; once per process, whatever the number of channels. */
  static synchronized void install() {
    if (CHANNEL.getFilter() == null) {
      CHANNEL.setFilter(INSTANCE);
    }
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    Object[] parameters = record.getParameters();
    if (parameters == null || record.getThrown() != null) {
      return true;
    }
    Object[] shown = parameters.clone();
    boolean hasStatus = false;
    for (int i = 0; i < shown.length; i++) {
      if (shown[i] instanceof Status status) {
        shown[i] = oneLine(status);
        hasStatus = true;
      }
    }
    if (!hasStatus) {
      return true;
    }
    LogRecord compact = new LogRecord(record.getLevel(), record.getMessage());
    compact.setParameters(shown);
    kinds.publish(String.valueOf(record.getMessage()), compact);
    return false; // written above
  }

  /**
   * {@code UNAVAILABLE: Unable to resolve host user (cause: java.net.UnknownHostException: user)}
   */
  static String oneLine(Status status) {
    Throwable cause = status.getCause() == null ? null : Throwables.getRootCause(status.getCause());
    return status.getCode()
        + (status.getDescription() == null ? "" : ": " + status.getDescription())
        + (cause == null ? "" : " (cause: " + cause + ")");
  }
}
