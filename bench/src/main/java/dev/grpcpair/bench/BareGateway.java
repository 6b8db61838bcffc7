package dev.grpcpair.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.grpcpair.proto.user.v2.GetUserRequest;
import dev.grpcpair.proto.user.v2.GetUserResponse;
import dev.grpcpair.proto.user.v2.UserGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The floor the gateway is measured against: Netty's HTTP/1.1 and h2c codecs (on epoll, two event
 * loops, as the gateway has), one grpc-java channel to the User server on {@code directExecutor()}
 * without interceptors or retries, and protobuf's {@code JsonFormat}: {@code GET /v2/users/{id}}
 * and nothing else, no access log, metrics, limits, timeouts or headers passed on. Its argument is
 * the port of a User server.
 */
public final class BareGateway {

  private static final String PREFIX = "/v2/users/";
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().includingDefaultValueFields().omittingInsignificantWhitespace();

  private BareGateway() {}

  public static void main(String[] args) throws InterruptedException {
    UserGrpc.UserFutureStub users =
        UserGrpc.newFutureStub(
            Grpc.newChannelBuilderForAddress(
                    "127.0.0.1", Integer.parseInt(args[0]), InsecureChannelCredentials.create())
                .directExecutor()
                .disableRetry()
                .build());
    ChannelHandler answer = new Answer(users);
    Channel listening =
        new ServerBootstrap()
            .group(
                new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory()),
                new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory()))
            .channel(EpollServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel connection) {
                    HttpServerCodec http1 = new HttpServerCodec();
                    connection
                        .pipeline()
                        .addLast(
                            new CleartextHttp2ServerUpgradeHandler(
                                http1,
                                new HttpServerUpgradeHandler(http1, protocol -> null),
                                new ChannelInitializer<Channel>() {
                                  @Override
                                  protected void initChannel(Channel http2) {
                                    http2.pipeline().addLast(http2(answer));
                                  }
                                }))
                        .addLast(new HttpObjectAggregator(1024 * 1024), answer);
                  }
                })
            .bind(new InetSocketAddress(0))
            .sync()
            .channel();
    System.out.println(
        "bare gateway listening on port "
            + ((InetSocketAddress) listening.localAddress()).getPort());
    listening.closeFuture().sync();
  }

  /** An HTTP/2 connection: each stream's request made whole, then answered as on HTTP/1.1. */
  private static ChannelHandler[] http2(ChannelHandler answer) {
    return new ChannelHandler[] {
      Http2FrameCodecBuilder.forServer().build(),
      new Http2MultiplexHandler(
          new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
              stream
                  .pipeline()
                  .addLast(
                      new Http2StreamFrameToHttpObjectCodec(true),
                      new HttpObjectAggregator(1024 * 1024),
                      answer);
            }
          })
    };
  }

  @ChannelHandler.Sharable
  private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final UserGrpc.UserFutureStub users;

    Answer(UserGrpc.UserFutureStub users) {
      this.users = users;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      String id = request.uri().substring(PREFIX.length());
      Futures.addCallback(
          users.getUser(GetUserRequest.newBuilder().setUserId(id).build()),
          new FutureCallback<>() {
            @Override
            public void onSuccess(GetUserResponse user) {
              try {
                respond(ctx, HttpResponseStatus.OK, JSON.print(user), keepAlive);
              } catch (InvalidProtocolBufferException e) {
                onFailure(e);
              }
            }

            @Override
            public void onFailure(Throwable failure) {
              respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "{}", keepAlive);
            }
          },
          MoreExecutors.directExecutor());
    }

    private static void respond(
        ChannelHandlerContext ctx, HttpResponseStatus status, String json, boolean keepAlive) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
      HttpUtil.setContentLength(response, response.content().readableBytes());
      HttpUtil.setKeepAlive(response, keepAlive);
      ctx.writeAndFlush(response);
    }
  }
}
