package dev.grpcpair.gateway;

import dev.grpcpair.common.observability.PerCallHeaders;
import dev.grpcpair.common.server.RapidResets;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The pipeline of each connection: HTTP/1.1, or HTTP/2 without TLS (h2c), by prior knowledge or by
 * an {@code Upgrade: h2c} request, as grpc-gateway's Go server speaks them. Each request reaches a
 * {@link GatewayHandler} whole, as a {@link FullHttpRequest}, on HTTP/1.1 and on each HTTP/2 stream
 * alike.
 */
final class HttpChannels extends ChannelInitializer<SocketChannel> {

  /** URLs up to 8 KiB, as Go's HTTP server takes them; longer ones answer 414. */
  static final int MAX_URL_BYTES = 8192;

  /** All of a request's headers; more answers 431. */
  private static final int MAX_HEADER_BYTES = 16 * 1024;

  /** A request body (a gRPC-Web message, a JSON body); more answers 413. */
  static final int MAX_BODY_BYTES = 1024 * 1024;

  /**
   * The body of an HTTP/1.1 request asking to switch to h2c, which Netty's upgrade handler holds
   * whole outside the {@link BodyBudget}: clients send such requests without one (a larger one
   * answers 413).
   */
  private static final int MAX_UPGRADE_BODY_BYTES = 16 * 1024;

  /** HTTP/2 streams in flight per connection, as Go's server allows by default. */
  private static final int MAX_STREAMS = 250;

  /**
   * The servers' headers that are new on every call, as an answer passes them on: kept out of
   * HPACK's table here too ({@link PerCallHeaders}).
   */
  private static final Set<String> NEVER_INDEXED =
      PerCallHeaders.NEVER_INDEXED.stream()
          .map(key -> ForwardedMetadata.responseHeader(key.name()))
          .collect(Collectors.toUnmodifiableSet());

  private final GatewayServices services;
  private final BodyBudget bodies;
  private final Duration requestTimeout;
  private final Duration idleTimeout;
  private final ConnectionCap connections;

  private final Http2ConnectionErrors connectionErrors = new Http2ConnectionErrors();

  HttpChannels(
      GatewayServices services,
      BodyBudget bodies,
      Duration requestTimeout,
      Duration idleTimeout,
      ConnectionCap connections) {
    this.services = services;
    this.bodies = bodies;
    this.requestTimeout = requestTimeout;
    this.idleTimeout = idleTimeout;
    this.connections = connections;
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    HttpServerCodec http1 =
        new HttpServerCodec(
            new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_URL_BYTES)
                .setMaxHeaderSize(MAX_HEADER_BYTES));
    HttpServerUpgradeHandler upgrade =
        new HttpServerUpgradeHandler(
            http1,
            protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                    ? new Http2ServerUpgradeCodec(http2(), multiplex(), connectionErrors)
                    : null,
            MAX_UPGRADE_BODY_BYTES);
    ChannelPipeline pipeline = channel.pipeline();
    // Answers written in one turn of the event loop (an HTTP/2 connection's streams, answered as
    // their gRPC calls end) leave in one write: fewer system calls per request over h2c, at no
    // cost to latency (docs/gateway.md).
    pipeline.addLast(new FlushConsolidationHandler(256, true));
    pipeline.addLast(
        new RequestTimeouts(requestTimeout, idleTimeout, services.metrics(), connections));
    pipeline.addLast(
        new CleartextHttp2ServerUpgradeHandler(
            http1,
            upgrade,
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel connection) {
                connection.pipeline().addLast(http2(), multiplex(), connectionErrors);
              }
            }));
    // Reached by HTTP/1.1 requests only (h2c replaces what is above): stays HTTP/1.1.
    pipeline.addLast(
        new SimpleChannelInboundHandler<HttpMessage>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, HttpMessage message) {
            ChannelPipeline http = ctx.pipeline();
            http.addAfter(ctx.name(), null, new GatewayHandler(services));
            http.addAfter(ctx.name(), null, aggregator());
            http.remove(this);
            ctx.fireChannelRead(ReferenceCountUtil.retain(message));
          }
        });
  }

  private Http2FrameCodec http2() {
    return Http2FrameCodecBuilder.forServer()
        .headerSensitivityDetector((name, value) -> NEVER_INDEXED.contains(name.toString()))
        // Netty's own bound counts resets alone (200 in 30 s), and cut off a proxy whose callers
        // gave up on some of their requests; GatewayHandler judges resets against the requests
        // they are among (RapidResets), and this stays as a backstop for resets of any kind.
        .decoderEnforceMaxRstFramesPerWindow(
            RapidResets.MAX_RESETS_OF_ANY_KIND, RapidResets.WINDOW_SECONDS)
        .initialSettings(
            Http2Settings.defaultSettings()
                .maxConcurrentStreams(MAX_STREAMS)
                .maxHeaderListSize(MAX_URL_BYTES + MAX_HEADER_BYTES))
        .build();
  }

  private Http2MultiplexHandler multiplex() {
    return new Http2MultiplexHandler(
        new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel stream) {
            stream
                .pipeline()
                .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                .addLast(aggregator())
                .addLast(new GatewayHandler(services));
          }
        });
  }

  /** Whole requests, their bodies held against the budget ({@link BodyAggregator}). */
  private HttpObjectAggregator aggregator() {
    return new BodyAggregator(services.metrics(), bodies);
  }
}
