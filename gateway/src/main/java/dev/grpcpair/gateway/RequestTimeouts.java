package dev.grpcpair.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The two clocks of a connection, so that clients that hold one without using it cannot exhaust the
 * gateway: a request must arrive whole within the request timeout of its first byte (a client
 * sending its headers a byte a second is answered 408 and disconnected), and a connection with
 * nothing in flight is closed after the idle timeout. The first handler of each connection, so it
 * sees every byte before any decoder.
 *
 * <p>One periodic check per connection (every request timeout, or idle timeout if shorter) reads
 * the clocks, rather than a timer set and cancelled for each request: a timeout is noticed up to
 * one period late (so 10-20 s for the request timeout), and a request costs no scheduling.
 */
final class RequestTimeouts extends ChannelDuplexHandler {

  private static final AttributeKey<RequestTimeouts> KEY = AttributeKey.valueOf("request-timeouts");

  private final long requestNanos;
  private final long idleNanos;
  private final HttpMetrics metrics;
  private final ConnectionCap cap;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> check;
  private long requestStarted;
  private boolean reading;
  // Set on the connection's event loop; read by the cap from any (volatile).
  private volatile long idleSince;
  private volatile int inFlight;

  RequestTimeouts(Duration request, Duration idle, HttpMetrics metrics, ConnectionCap cap) {
    this.requestNanos = request.toNanos();
    this.idleNanos = idle.toNanos();
    this.metrics = metrics;
    this.cap = cap;
  }

  /**
   * Whether the connection has no whole request in flight: one still sending its first is as good
   * to close as one sending nothing.
   */
  boolean idle() {
    return inFlight == 0;
  }

  /** How long it has had no request in flight. */
  long idleFor() {
    return System.nanoTime() - idleSince;
  }

  /** Closes the connection, from any thread. */
  void close() {
    ctx.close();
  }

  /** A whole request has arrived on {@code channel} (a connection or an HTTP/2 stream). */
  static void requestReceived(Channel channel) {
    RequestTimeouts timeouts = of(channel);
    if (timeouts != null) {
      timeouts.inFlight = timeouts.inFlight + 1; // on the connection's event loop only
      timeouts.reading = false;
    }
  }

  /** A request on {@code channel} has been answered. */
  static void answered(Channel channel) {
    RequestTimeouts timeouts = of(channel);
    if (timeouts != null && (timeouts.inFlight = timeouts.inFlight - 1) <= 0) {
      timeouts.inFlight = 0;
      timeouts.idleSince = System.nanoTime();
    }
  }

  private static RequestTimeouts of(Channel channel) {
    Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
    return connection.attr(KEY).get();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.channel().attr(KEY).set(this);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    idleSince = System.nanoTime();
    long period = Math.min(requestNanos, idleNanos);
    check = ctx.executor().scheduleAtFixedRate(this::check, period, period, TimeUnit.NANOSECONDS);
    cap.opened(this);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // HTTP/2 frames between requests (PINGs, SETTINGS) start no request.
    if (!reading && inFlight == 0 && ctx.pipeline().get(Http2FrameCodec.class) == null) {
      reading = true;
      requestStarted = System.nanoTime();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (check != null) {
      check.cancel(false);
    }
    cap.closed(this);
    ctx.fireChannelInactive();
  }

  private void check() {
    long now = System.nanoTime();
    if (reading && now - requestStarted >= requestNanos) {
      tooSlow();
    } else if (!reading && inFlight == 0 && now - idleSince >= idleNanos) {
      ctx.close();
    }
  }

  /** A request that did not arrive whole in time: 408, logged, and the connection closed. */
  private void tooSlow() {
    reading = false;
    if (ctx.pipeline().get(Http2FrameCodec.class) != null) {
      ctx.close();
      return;
    }
    HttpExchange.refuseUnread(
        ctx.channel(), HttpResponseStatus.REQUEST_TIMEOUT, metrics, requestStarted);
  }
}
