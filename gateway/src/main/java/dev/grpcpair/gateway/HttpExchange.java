package dev.grpcpair.gateway;

import dev.grpcpair.common.observability.AccessLogInterceptor;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.opentelemetry.api.trace.Span;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One HTTP request and its answer, on an HTTP/1.1 connection or an HTTP/2 stream: answered once,
 * then logged (one access-log line, in the servers' format) and counted by route. Its methods may
 * be called from any thread; Netty hands the writes to the channel's event loop.
 */
final class HttpExchange {

  private final Channel channel;
  private final HttpVersion version;
  private volatile boolean keepAlive;
  private final HttpHeaders requestHeaders;
  private final String httpMethod;
  private final long start = System.nanoTime();
  private final InetSocketAddress peer;
  private final String requestId;
  private final HttpMetrics metrics;
  private final Span span;
  private final Runnable onDone;
  private final UnreadAnswers.Account unread;
  private final AtomicBoolean answered = new AtomicBoolean();

  /** What the access log and the metrics name the request by; set once it is routed. */
  private volatile String name = "-";

  private volatile String route = "unmatched";
  private volatile boolean routine;
  private volatile Status.Code code = Status.Code.OK;
  private volatile GenericFutureListener<Future<? super Void>> clientGone;

  HttpExchange(
      Channel channel,
      FullHttpRequest request,
      String requestId,
      HttpMetrics metrics,
      Span span,
      UnreadAnswers.Account unread,
      Runnable onDone) {
    this.channel = channel;
    this.version = request.protocolVersion();
    this.keepAlive = HttpUtil.isKeepAlive(request);
    this.requestHeaders = request.headers();
    this.httpMethod = request.method().name();
    // An HTTP/2 stream's is its connection's.
    this.peer = (InetSocketAddress) channel.remoteAddress();
    this.requestId = requestId;
    this.metrics = metrics;
    this.span = span;
    this.unread = unread;
    this.onDone = onDone;
  }

  /** Names the request in the log and metrics: the method it calls, and the route template. */
  void routedTo(String name, String route, boolean routine) {
    this.name = name;
    this.route = route;
    this.routine = routine;
    HttpSpans.routed(span, httpMethod, route);
  }

  HttpHeaders requestHeaders() {
    return requestHeaders;
  }

  InetSocketAddress peer() {
    return peer;
  }

  /** Runs {@code task} if the client goes away before the answer is complete. */
  void onClientGone(Runnable task) {
    // Removed once answered: a keep-alive connection outlives many requests.
    clientGone =
        closed -> {
          if (!answered.get()) {
            task.run();
          }
        };
    channel.closeFuture().addListener(clientGone);
  }

  /**
   * Null if this request's connection may ask for an answer, or the status that refuses it at once
   * ({@link UnreadAnswers}).
   */
  Status admit() {
    return unread.admit();
  }

  /** Answers with a JSON body. */
  void respond(HttpResponseStatus status, HttpHeaders headers, String json, Status.Code code) {
    respond(json(status, headers, json), code);
  }

  private FullHttpResponse json(HttpResponseStatus status, HttpHeaders headers, String json) {
    ByteBuf content = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(version, status, content);
    response.headers().add(headers);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    return response;
  }

  /** Answers 200 with {@code file}. */
  void respond(StaticFiles.File file) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            version, HttpResponseStatus.OK, Unpooled.wrappedBuffer(file.content()));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, file.contentType());
    respond(response, Status.Code.OK);
  }

  /** Answers {@code status} as a call that failed with it would be. */
  void fail(Status status) {
    fail(status, EmptyHttpHeaders.INSTANCE);
  }

  /** Answers {@code status} with {@code headers} (the server's metadata) as grpc-gateway does. */
  void fail(Status status, HttpHeaders headers) {
    respond(
        GatewayErrors.httpStatus(status.getCode()),
        headers,
        GatewayErrors.body(status),
        status.getCode());
  }

  /** Answers a request refused before any call, with grpc-gateway's body for its status. */
  void refuse(HttpResponseStatus status) {
    respond(
        status,
        EmptyHttpHeaders.INSTANCE,
        GatewayErrors.body(status),
        GatewayErrors.grpcCode(status));
  }

  /**
   * Answers with {@code response}, whole; or, when its connection cannot hold it for a client that
   * has not read what it was sent ({@link UnreadAnswers}), with that refusal.
   */
  void respond(FullHttpResponse response, Status.Code code) {
    if (!answering()) {
      response.release();
      return;
    }
    long size = response.content().readableBytes();
    Status refused = unread.reserve(size);
    FullHttpResponse answer = response;
    this.code = code;
    if (refused != null) {
      response.release();
      answer =
          json(
              GatewayErrors.httpStatus(refused.getCode()),
              EmptyHttpHeaders.INSTANCE,
              GatewayErrors.body(refused));
      this.code = refused.getCode();
    }
    HttpUtil.setContentLength(answer, answer.content().readableBytes());
    keepAliveOrClose(answer);
    HttpResponseStatus status = answer.status();
    channel
        .writeAndFlush(answer)
        .addListener(
            written -> {
              if (refused == null) {
                unread.release(size, written.isSuccess());
              }
              done(status);
            });
  }

  /** Starts an answer whose body follows in parts ({@link #part}, {@link #end}). */
  void start(HttpResponseStatus status, HttpHeaders headers) {
    HttpResponse response = new DefaultHttpResponse(version, status);
    response.headers().add(headers);
    HttpUtil.setTransferEncodingChunked(response, true);
    keepAliveOrClose(response);
    channel.write(response);
  }

  /**
   * Writes one part of the body; {@code written} runs once it has left (to ask for the next). A
   * part its connection cannot hold for a client that has not read what it was sent ({@link
   * UnreadAnswers}) ends the answer there: the stream (HTTP/1.1: the connection) is closed, which
   * cancels the call.
   */
  void part(ByteBuf content, Runnable written) {
    long size = content.readableBytes();
    if (unread.reserve(size) != null) {
      content.release();
      channel.close();
      return;
    }
    channel
        .writeAndFlush(new DefaultHttpContent(content))
        .addListener(
            future -> {
              unread.release(size, future.isSuccess());
              written.run();
            });
  }

  /** Ends a body begun by {@link #start} with its last part. */
  void end(ByteBuf content, Status.Code code) {
    if (!answering()) {
      content.release();
      return;
    }
    this.code = code;
    channel
        .writeAndFlush(new DefaultLastHttpContent(content))
        .addListener(written -> done(HttpResponseStatus.OK));
  }

  private void keepAliveOrClose(HttpResponse response) {
    if (version == HttpVersion.HTTP_1_0 || version == HttpVersion.HTTP_1_1) {
      HttpUtil.setKeepAlive(response, keepAlive);
    }
  }

  /**
   * Whether this is the answer, the first; the call it answers is then let go, and with it what it
   * received: an answer can wait long for a client that does not read it.
   */
  private boolean answering() {
    if (!answered.compareAndSet(false, true)) {
      return false;
    }
    GenericFutureListener<Future<? super Void>> listener = clientGone;
    if (listener != null) {
      clientGone = null; // this exchange lives on until its answer is written: not the call
      channel.closeFuture().removeListener(listener);
    }
    return true;
  }

  private void done(HttpResponseStatus status) {
    AccessLogInterceptor.log(
        name,
        code,
        start,
        String.valueOf(peer),
        "-",
        requestId,
        AccessLogInterceptor.traceId(span.getSpanContext()),
        routine);
    metrics.record(route, httpMethod, status.code(), start);
    HttpSpans.end(span, status.code());
    if (!keepAlive && !(channel instanceof Http2StreamChannel)) {
      channel.close();
    }
    onDone.run();
  }

  /** Closes the connection after the answer: a malformed request leaves it unusable. */
  void closeAfterAnswer() {
    keepAlive = false;
  }

  /**
   * Answers {@code status} on a connection whose request could not be read whole (too slow, too
   * large), logs it and closes the connection: there is no request to answer in order.
   */
  static void refuseUnread(
      Channel channel, HttpResponseStatus status, HttpMetrics metrics, long startNanos) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(GatewayErrors.body(status), StandardCharsets.UTF_8));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    // From the pipeline's tail, through the HTTP encoder.
    channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    AccessLogInterceptor.log(
        "-",
        GatewayErrors.grpcCode(status),
        startNanos,
        String.valueOf(channel.remoteAddress()),
        "-",
        "-",
        null,
        false);
    metrics.record("unmatched", "_OTHER", status.code(), startNanos);
  }

  @Override
  public String toString() {
    return httpMethod + " " + name + " from " + peer;
  }
}
