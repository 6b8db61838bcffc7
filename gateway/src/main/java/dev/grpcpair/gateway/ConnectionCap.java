package dev.grpcpair.gateway;

import dev.grpcpair.common.observability.RateLimitedLog;
import dev.grpcpair.common.server.DescriptorLimit;
import java.util.Comparator;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;

/**
 * Keeps the gateway able to accept new clients however many connections others hold open: at most
 * {@code --max-connections}, kept below the process's descriptor limit, past which it could accept
 * no one until the idle connections holding its descriptors timed out. A connection past the cap
 * makes room by closing the one that has been idle (no request in flight) longest, as the gRPC
 * servers do ({@code ConnectionLimit}); only when every one has a request in flight is the new one
 * closed. An HTTP client whose idle keep-alive connection is closed opens another.
 */
final class ConnectionCap {

  private static final RateLimitedLog closings =
      new RateLimitedLog(LoggerFactory.getLogger(ConnectionCap.class));

  private final int cap;
  private final String reason;
  private final Set<RequestTimeouts> open = ConcurrentHashMap.newKeySet();

  ConnectionCap(int maxConnections, OptionalLong descriptorLimit) {
    DescriptorLimit.Cap cap =
        DescriptorLimit.cap(maxConnections, "--max-connections", descriptorLimit);
    this.cap = cap.connections();
    this.reason = cap.reason();
  }

  /** A connection has opened; past the cap, the idlest other one (or this one) is closed. */
  void opened(RequestTimeouts connection) {
    open.add(connection);
    if (open.size() <= cap) {
      return;
    }
    RequestTimeouts idlest =
        open.stream()
            .filter(other -> other != connection && other.idle())
            .max(Comparator.comparingLong(RequestTimeouts::idleFor))
            .orElse(null);
    RequestTimeouts closed = idlest == null ? connection : idlest;
    open.remove(closed);
    closed.close();
    closings.warn(
        () ->
            (idlest == null
                    ? "closed a new connection at once: every one of the "
                    : "closed the connection idle longest to make room: at most ")
                + cap
                + " connections ("
                + reason
                + ")"
                + (idlest == null ? " has a request in flight" : ""));
  }

  /** A connection has closed. */
  void closed(RequestTimeouts connection) {
    open.remove(connection);
  }
}
