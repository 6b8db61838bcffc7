package dev.grpcpair.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.grpcpair.common.observability.CallTrail;
import dev.grpcpair.common.observability.RateLimitedLog;
import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.common.server.RapidResets;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Answers the requests of one HTTP/1.1 connection or HTTP/2 stream: a routed request becomes its
 * gRPC call ({@link JsonCall}), a gRPC-Web request its call ({@link GrpcWebCall}); {@code /healthz}
 * and the {@link StaticFiles} are answered here; the rest gets grpc-gateway's error body. On
 * HTTP/1.1 requests are answered one at a time, in order: reading stops while pipelined ones wait,
 * and a client that pipelines more than a few is disconnected.
 */
final class GatewayHandler extends ChannelInboundHandlerAdapter {

  private static final int MAX_PIPELINED = 8;

  private static final RateLimitedLog failures =
      new RateLimitedLog(LoggerFactory.getLogger(GatewayHandler.class));
  private static final RateLimitedLog refusals =
      new RateLimitedLog(LoggerFactory.getLogger(GatewayHandler.class));
  private static final RateLimitedLog resetClosings =
      new RateLimitedLog(LoggerFactory.getLogger(GatewayHandler.class));
  private static final AttributeKey<RapidResets> RESETS = AttributeKey.valueOf("rapid-resets");

  private final GatewayServices services;
  private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
  private boolean busy;
  private boolean resetByClient;
  // The connection the request being answered counts a call on, if it does (GatewayServices).
  private Channel calling;

  GatewayHandler(GatewayServices services) {
    this.services = services;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request)) {
      ctx.fireChannelRead(msg);
      return;
    }
    RequestTimeouts.requestReceived(ctx.channel());
    if (busy) {
      if (waiting.size() >= MAX_PIPELINED) {
        letGo(ctx, request, request.content().readableBytes());
        ctx.close();
      } else {
        // A client that pipelines: read no more until it has been answered.
        waiting.add(request);
        ctx.channel().config().setAutoRead(false);
      }
      return;
    }
    handle(ctx, request);
  }

  private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
    int bodyBytes = request.content().readableBytes(); // before anything reads the body
    busy = true;
    boolean admitted = services.started();
    String offered = request.headers().get("x-request-id");
    String requestId =
        offered != null && RequestId.acceptable(offered) ? offered : RequestId.newId();
    Span span =
        services
            .spans()
            .start(
                request,
                (InetSocketAddress) ctx.channel().remoteAddress(),
                ctx.channel() instanceof Http2StreamChannel);
    HttpExchange exchange =
        new HttpExchange(
            ctx.channel(),
            request,
            requestId,
            services.metrics(),
            span,
            services.unread().of(connection(ctx)),
            () -> ctx.executor().execute(() -> next(ctx)));
    if (services.draining()) {
      exchange.closeAfterAnswer();
    }
    // Current while the request's call starts: the User channel sends the request id on
    // (RequestId.clientInterceptor), and the call's span is the request span's child.
    Context traced = Context.current().withValue(CallTrail.KEY, new CallTrail.Of(requestId, span));
    Context previous = traced.attach();
    try {
      serve(ctx, request, exchange, admitted);
    } catch (RuntimeException e) {
      exchange.fail(Status.INTERNAL.withDescription("internal error"));
      throw e;
    } finally {
      traced.detach(previous);
      letGo(ctx, request, bodyBytes);
    }
  }

  /**
   * Releases {@code request}, and its body's {@code bodyBytes} from the {@link BodyBudget}: its
   * call, if any, has its message already.
   */
  private static void letGo(ChannelHandlerContext ctx, FullHttpRequest request, int bodyBytes) {
    BodyBudget.Hold hold = ctx.channel().attr(BodyBudget.HOLD).get();
    if (hold != null) {
      hold.release(bodyBytes);
    }
    request.release();
  }

  /** The connection a request came on: an HTTP/2 stream's parent, or the HTTP/1.1 channel. */
  private static Channel connection(ChannelHandlerContext ctx) {
    return ctx.channel() instanceof Http2StreamChannel ? ctx.channel().parent() : ctx.channel();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof Http2ResetFrame && !resetByClient) {
      resetByClient = true;
      streamEnded(ctx, true);
    }
    ctx.fireUserEventTriggered(event);
  }

  /**
   * An HTTP/2 stream ended, {@code reset} by the client or answered: a connection whose client
   * resets nearly all it opens is closed ({@link RapidResets}, as the gRPC servers do).
   */
  private static void streamEnded(ChannelHandlerContext ctx, boolean reset) {
    if (!(ctx.channel() instanceof Http2StreamChannel stream)) {
      return; // HTTP/1.1: a client that gives up closes its connection
    }
    Channel connection = stream.parent();
    // A connection's streams run on its event loop: no other thread makes its count meanwhile.
    RapidResets resets = connection.attr(RESETS).get();
    if (resets == null) {
      resets = new RapidResets();
      connection.attr(RESETS).set(resets);
    }
    if (resets.ended(reset, System.nanoTime()) && connection.isOpen()) {
      connection.close();
      RapidResets judged = resets;
      resetClosings.warn(
          () -> "closed the connection of " + connection.remoteAddress() + ": " + judged.verdict());
    }
  }

  /** After an answer: the next pipelined request, or reading again. */
  private void next(ChannelHandlerContext ctx) {
    busy = false;
    if (!resetByClient) {
      streamEnded(ctx, false);
    }
    services.finished(calling);
    calling = null;
    FullHttpRequest next = waiting.poll();
    if (next != null) {
      handle(ctx, next);
    } else if (ctx.channel().isActive()) {
      RequestTimeouts.answered(ctx.channel());
      // Reading is left on while one request at a time is in flight: turning it off and on
      // for each cost two epoll_ctl calls a request.
      if (!ctx.channel().config().isAutoRead()) {
        ctx.channel().config().setAutoRead(true);
        ctx.read();
      }
    }
  }

  /**
   * Answers {@code request}; one past {@code --max-requests-in-flight} ({@code admitted} false), or
   * past its connection's share of it, is answered 429 unless it asks for health or a static file,
   * which make no call.
   */
  private void serve(
      ChannelHandlerContext ctx, FullHttpRequest request, HttpExchange exchange, boolean admitted) {
    if (request.decoderResult().isFailure()) {
      exchange.closeAfterAnswer();
      exchange.refuse(refusal(request.decoderResult().cause()));
      return;
    }
    QueryStringDecoder uri =
        new QueryStringDecoder(request.uri(), StandardCharsets.UTF_8, true, 1024);
    String path = uri.rawPath();
    HttpMethod method = request.method();
    if (path.equals(GatewayServices.HEALTH_PATH) && method.equals(HttpMethod.GET)) {
      exchange.routedTo(path, path, true);
      boolean healthy = services.healthy();
      exchange.respond(
          healthy ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
          EmptyHttpHeaders.INSTANCE,
          "{\"healthy\":" + healthy + "}",
          healthy ? Status.Code.OK : Status.Code.UNAVAILABLE);
      return;
    }
    StaticFiles.File file = method.equals(HttpMethod.GET) ? services.files().at(path) : null;
    if (file != null) {
      exchange.routedTo(path, path, file.routine());
      exchange.respond(file);
      return;
    }
    String refusal;
    if (admitted) {
      calling = connection(ctx);
      refusal = services.callStarted(calling);
      if (refusal == null) {
        // Before the call: an answer this connection could not hold is not worth asking for.
        Status unread = exchange.admit();
        if (unread != null) {
          exchange.fail(unread);
          return;
        }
      }
    } else {
      refusal =
          "the gateway is answering "
              + services.maxInFlight()
              + " requests (--max-requests-in-flight); retry later";
    }
    if (refusal != null) {
      refusals.warn(
          () ->
              "refused requests past --max-requests-in-flight="
                  + services.maxInFlight()
                  + " (429), the last from "
                  + exchange.peer());
      exchange.fail(Status.RESOURCE_EXHAUSTED.withDescription(refusal));
      return;
    }
    Deadline deadline;
    try {
      deadline = deadline(request.headers().get("grpc-timeout"));
    } catch (IllegalArgumentException e) {
      exchange.fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
      return;
    }
    if (method.equals(HttpMethod.POST)
        && GrpcWebCall.accepts(request.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
      String name = path.substring(1);
      Routes.Served grpc = services.routes().served(name);
      if (grpc == null) {
        exchange.refuse(HttpResponseStatus.NOT_FOUND);
        return;
      }
      exchange.routedTo(name, "/" + name, false);
      GrpcWebCall.start(grpc.method(), grpc.channel(), request.content(), deadline, exchange);
      return;
    }
    List<String> segments = PathTemplate.segments(path);
    Route route = services.routes().find(method.name(), segments);
    if (route == null) {
      refuseUnrouted(exchange, segments);
      return;
    }
    exchange.routedTo(route.method().getFullMethodName(), route.path().template(), false);
    Map<String, String> variables;
    Map<String, List<String>> parameters;
    try {
      variables = route.path().variables(segments);
      parameters = route.body().isEmpty() ? uri.parameters() : Map.of();
    } catch (IllegalArgumentException e) {
      exchange.refuse(HttpResponseStatus.BAD_REQUEST); // a malformed percent-encoding
      return;
    }
    Message.Builder message = route.newRequest();
    try {
      if (!route.body().isEmpty()) {
        JsonBodies.merge(request.content().toString(StandardCharsets.UTF_8), message);
      }
      RequestFields.fromPath(message, variables);
      RequestFields.fromQuery(message, parameters, route.path().fields());
    } catch (InvalidProtocolBufferException e) {
      exchange.fail(
          Status.INVALID_ARGUMENT.withDescription(
              "the body is not "
                  + message.getDescriptorForType().getFullName()
                  + " in JSON: "
                  + e.getMessage()));
      return;
    } catch (IllegalArgumentException e) {
      exchange.fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage())); // a wrong type
      return;
    }
    JsonCall.start(route, message.build(), deadline, exchange);
  }

  private void refuseUnrouted(HttpExchange exchange, List<String> segments) {
    String allowed = String.join(", ", services.routes().allowed(segments));
    if (allowed.isEmpty()) {
      exchange.refuse(HttpResponseStatus.NOT_FOUND);
      return;
    }
    HttpResponseStatus status = HttpResponseStatus.METHOD_NOT_ALLOWED;
    HttpHeaders headers = new DefaultHttpHeaders().set(HttpHeaderNames.ALLOW, allowed);
    exchange.respond(status, headers, GatewayErrors.body(status), GatewayErrors.grpcCode(status));
  }

  /** What a request the HTTP decoder could not read is answered. */
  private static HttpResponseStatus refusal(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return HttpResponseStatus.REQUEST_URI_TOO_LONG;
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    if (cause instanceof TooLongFrameException) {
      return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
    }
    return HttpResponseStatus.BAD_REQUEST;
  }

  /** The call's deadline: {@code Grpc-Timeout} if given, else the default. */
  private Deadline deadline(String grpcTimeout) {
    if (grpcTimeout == null) {
      return Deadline.after(services.defaultDeadline().toNanos(), TimeUnit.NANOSECONDS);
    }
    return Deadline.after(GrpcTimeout.parseNanos(grpcTimeout), TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    waiting.forEach(request -> letGo(ctx, request, request.content().readableBytes()));
    waiting.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof Http2Exception.StreamException stream) {
      // A malformed HTTP/2 stream (say, DATA longer than its content-length): reset with the
      // codec's error (PROTOCOL_ERROR), not the CANCEL that Netty's close of the stream sends.
      ctx.writeAndFlush(new DefaultHttp2ResetFrame(stream.error()))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (!clientGone(cause)) {
      unexpected(ctx, cause);
    }
    ctx.close();
  }

  /**
   * A client that went away, or reset its stream, in the middle of a request or not: nothing for
   * the operator.
   */
  static boolean clientGone(Throwable cause) {
    return cause instanceof IOException || cause instanceof PrematureChannelClosureException;
  }

  /** Not a client going away: the operator hears of it (direct memory run out, say). */
  static void unexpected(ChannelHandlerContext ctx, Throwable cause) {
    failures.warn(() -> "closed a connection from " + ctx.channel().remoteAddress() + ": " + cause);
  }
}
