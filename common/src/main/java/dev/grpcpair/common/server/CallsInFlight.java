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
 * The calls a server has in flight, all connections together, at most {@code
 * --max-calls-in-flight}: past it a call is answered {@code RESOURCE_EXHAUSTED} at once. The Post
 * server holds each call until the User service has answered it, and the User service takes 256 at
 * a time on a connection (its {@code --max-concurrent-calls-per-connection}): without this bound,
 * one client firing 25,600 calls (100 connections of 256) had the Post server queue them all and
 * run out of heap for good. The server's builder puts it before its own services only: health
 * checks and reflection answer however busy the server is.
 */
final class CallsInFlight implements ServerInterceptor {

  private static final RateLimitedLog refusals =
      new RateLimitedLog(LoggerFactory.getLogger(CallsInFlight.class));

  private final int limit;
  private final AtomicInteger inFlight = new AtomicInteger();

  CallsInFlight(int limit) {
    this.limit = limit;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (inFlight.incrementAndGet() > limit) {
      inFlight.decrementAndGet();
      refusals.warn(
          () ->
              "refused calls past --max-calls-in-flight="
                  + limit
                  + " (RESOURCE_EXHAUSTED), the last from "
                  + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
      call.close(
          Status.RESOURCE_EXHAUSTED.withDescription(
              "the server has "
                  + limit
                  + " calls in flight (--max-calls-in-flight); retry later, or elsewhere"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    ServerCall.Listener<ReqT> listener;
    try {
      listener = next.startCall(call, headers);
    } catch (RuntimeException | Error e) {
      inFlight.decrementAndGet();
      throw e;
    }
    // grpc ends every started call with exactly one of these two.
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        inFlight.decrementAndGet();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        inFlight.decrementAndGet();
        super.onCancel();
      }
    };
  }
}
