package dev.grpcpair.common.observability;

import io.grpc.Context;
import io.opentelemetry.api.trace.Span;

/**
 * The call (or HTTP request) a thread is handling, as its logs and traces follow it across hops:
 * its request id and its span, in grpc's {@link Context}, so that every continuation grpc's context
 * follows, on any thread, sees them.
 *
 * <p>One context value per call for all of it: a server's own per-call stream tracer is the trail
 * (each value added to a call's context is a copy of its map, and a server makes one per call).
 */
public interface CallTrail {

  /** The key the trail is kept under; a server's per-call tracer puts itself there. */
  Context.Key<CallTrail> KEY = Context.key("call-trail");

  /** The request id, or null when there is none (outside a server call). */
  String requestId();

  /** The call's span; {@link Span#getInvalid()} when it is not traced. */
  Span span();

  /** The trail of the call this thread is handling; null when there is none. */
  static CallTrail current() {
    return KEY.get();
  }

  /** A trail not kept by a server's tracer: the gateway's HTTP requests. */
  record Of(String requestId, Span span) implements CallTrail {}
}
