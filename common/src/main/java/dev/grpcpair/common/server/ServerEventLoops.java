package dev.grpcpair.common.server;

import dev.grpcpair.common.observability.PerCallHeaders;
import dev.grpcpair.common.observability.ServerSpans;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.NettyRuntime;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A server's threads, as grpc would make them (one accepting, one per core serving; Netty's native
 * epoll where it loads, NIO elsewhere), made here because grpc hands out the connections it accepts
 * to no one: the listening channel is this project's, so that {@link ConnectionLimit} sees every
 * connection it accepts. The clients a server makes (the Post server's User channel) run on the
 * same loops, as they did on grpc's shared ones. Threads keep grpc's names, so log lines do too.
 */
public final class ServerEventLoops implements AutoCloseable {

  private static final boolean EPOLL = Epoll.isAvailable();

  private final EventLoopGroup boss =
      new MultiThreadIoEventLoopGroup(
          1, new DefaultThreadFactory("grpc-default-boss-ELG", true), handlers());
  // One per core, as grpc's shared group has: Netty's own default, two per core, made the Post
  // server's two hops cost more CPU (docs/performance.md).
  private final EventLoopGroup workers =
      new TimersOnCallingLoop(
          NettyRuntime.availableProcessors(),
          new DefaultThreadFactory("grpc-default-worker-ELG", true),
          handlers());

  /** A gRPC channel builder whose connections run on these loops. */
  public ManagedChannelBuilder<?> channelBuilder(String target, ChannelCredentials credentials) {
    return NettyChannelBuilder.forTarget(target, credentials)
        .eventLoopGroup(workers)
        .channelType(EPOLL ? EpollSocketChannel.class : NioSocketChannel.class)
        .neverIndexMetadataKeys(PerCallHeaders.NEVER_INDEXED);
  }

  /**
   * Serves {@code builder}'s connections on these loops, each accepted one shown to {@code limit},
   * and each call traced ({@link CallTracer}) with a span from {@code spans}: what every port of a
   * server needs, in one place.
   */
  void serve(NettyServerBuilder builder, ConnectionLimit limit, ServerSpans spans) {
    limit.install(builder);
    CallTracer.install(builder, spans);
    builder
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .channelFactory(
            () -> {
              ServerChannel listener =
                  EPOLL ? new EpollServerSocketChannel() : new NioServerSocketChannel();
              listener.pipeline().addLast(new AcceptedConnections(limit));
              return listener;
            });
  }

  /** After the server and the channels on these loops have closed: no quiet period is needed. */
  @Override
  public void close() {
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static IoHandlerFactory handlers() {
    return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  /**
   * First in the listening channel's pipeline, before the handler that registers each accepted
   * connection with its event loop: the one place every accepted connection passes through.
   */
  private static final class AcceptedConnections extends ChannelInboundHandlerAdapter {
    private final ConnectionLimit limit;

    AcceptedConnections(ConnectionLimit limit) {
      this.limit = limit;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object accepted) {
      ctx.fireChannelRead(limit.accepted((Channel) accepted));
    }
  }
}
