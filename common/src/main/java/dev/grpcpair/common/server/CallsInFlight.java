package dev.grpcpair.common.server;

import dev.grpcpair.common.observability.RateLimitedLog;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * The calls a server has in flight, all connections together, at most a bound: past it a call is
 * answered {@code RESOURCE_EXHAUSTED} at once, naming the flag that sets the bound.
 *
 * <p>Two such bounds, so that neither kind of call can crowd out the other: the server's own calls
 * ({@link #calls}: the Post server holds each one until the User service has answered it, and
 * without a bound one client firing 25,600 calls, 100 connections of 256, had it queue them all and
 * run out of heap for good), and the streams of health and reflection ({@link #probeStreams}: a
 * health watch lasts as long as its client wants, and 25,600 of them from one address held 60 MB of
 * heap). Health checks, which answer at once, are never refused.
 *
 * <p>The server's own calls are also held to each connection's share of the bound ({@link
 * ConnectionShare}); a connection holding only health watches takes none.
 */
final class CallsInFlight implements ServerInterceptor {

  private static final RateLimitedLog refusals =
      new RateLimitedLog(LoggerFactory.getLogger(CallsInFlight.class));

  private final int limit;
  private final boolean streamsOnly;
  private final String refusal;
  private final String warning;
  private final AtomicInteger inFlight = new AtomicInteger();

  private CallsInFlight(int limit, boolean streamsOnly, String what, String flag) {
    this.limit = limit;
    this.streamsOnly = streamsOnly;
    this.refusal =
        "the server has " + limit + " " + what + " (" + flag + "); retry later, or elsewhere";
    this.warning =
        "refused calls past " + flag + "=" + limit + " (RESOURCE_EXHAUSTED), the last from ";
  }

  /** Every call of the services it is put before, at most {@code limit} at once. */
  static CallsInFlight calls(int limit) {
    return new CallsInFlight(limit, false, "calls in flight", "--max-calls-in-flight");
  }

  /**
   * The streams of the services it is put before (health watches, reflection), at most {@code
   * limit} at once; calls answered with one message (health checks) pass uncounted.
   */
  static CallsInFlight probeStreams(int limit) {
    return new CallsInFlight(
        limit, true, "health watches and reflection streams open", "--max-probe-streams");
  }

  /**
   * Why a call is refused when the server has {@code now} calls in flight and its connection {@code
   * held} of them, if for more than its share; null if not.
   */
  private String overShare(ConnectionLimit.Connection connection, int now, int held) {
    if (connection == null || !ConnectionShare.contended(limit, now)) {
      return null; // a connection not counted (in-process, or health and reflection), or no need
    }
    int busy = connection.busyConnections();
    return ConnectionShare.exceeded(limit, busy, held)
        ? ConnectionShare.refusal(
            "the server has " + now + " calls", "--max-calls-in-flight", limit, busy, held)
        : null;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    // Unary methods are declared as client streaming to the transport (StrictParsing).
    if (streamsOnly && call.getMethodDescriptor().getType().serverSendsOneMessage()) {
      return next.startCall(call, headers);
    }
    ConnectionLimit.Connection connection =
        streamsOnly ? null : ConnectionLimit.of(call.getAttributes());
    int now = inFlight.incrementAndGet();
    int held = connection == null ? 0 : connection.ownCallStarted();
    String refused = now > limit ? refusal : overShare(connection, now, held);
    if (refused != null) {
      ended(connection);
      refusals.warn(() -> warning + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
      call.close(Status.RESOURCE_EXHAUSTED.withDescription(refused), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    ServerCall.Listener<ReqT> listener;
    try {
      listener = next.startCall(call, headers);
    } catch (RuntimeException | Error e) {
      ended(connection);
      throw e;
    }
    // grpc ends every started call with exactly one of these two.
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        ended(connection);
        super.onComplete();
      }

      @Override
      public void onCancel() {
        ended(connection);
        super.onCancel();
      }
    };
  }

  private void ended(ConnectionLimit.Connection connection) {
    inFlight.decrementAndGet();
    if (connection != null) {
      connection.ownCallEnded();
    }
  }
}
