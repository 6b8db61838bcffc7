package dev.grpcpair.gateway;

import dev.grpcpair.common.observability.PerCallHeaders;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's threads: one accepting HTTP connections and two event loops serving them, on
 * Netty's native epoll transport where it loads (Linux on x86-64, what the jar carries), NIO
 * elsewhere. The gRPC channels to the User and Post services run their connections on the same two
 * loops (grpc-netty on the same Netty), so an answer that arrives on the loop of the HTTP
 * connection waiting for it is written there, without a hop to another thread (docs/gateway.md,
 * "What it costs").
 */
final class EventLoops {

  /** As many as the servers' event loops: the work per request is short and never blocks. */
  private static final int WORKERS = 2;

  private static final boolean EPOLL = Epoll.isAvailable();

  final EventLoopGroup boss =
      new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gateway-accept"), handlers());
  final EventLoopGroup workers =
      new TimersOnCallingLoop(WORKERS, new DefaultThreadFactory("gateway-http"), handlers());

  Class<? extends ServerChannel> serverChannel() {
    return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /**
   * A gRPC channel builder whose connections run on {@link #workers}, and whose answers are handled
   * there, as the User channel's are: the callbacks never block; and answers that arrive faster
   * than the loops can turn them into JSON wait unread in the connection, which tells the server to
   * send no more (HTTP/2's flow control), instead of in the gateway's heap, one thread of grpc's
   * unbounded pool each.
   */
  ManagedChannelBuilder<?> channelBuilder(String target, ChannelCredentials credentials) {
    return NettyChannelBuilder.forTarget(target, credentials)
        .eventLoopGroup(workers)
        .channelType(EPOLL ? EpollSocketChannel.class : NioSocketChannel.class)
        .neverIndexMetadataKeys(PerCallHeaders.NEVER_INDEXED)
        .directExecutor();
  }

  /** Once every connection on them is closed: nothing is left to do, so no quiet period. */
  void shutdown() {
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static IoHandlerFactory handlers() {
    return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }
}
