package dev.grpcpair.gateway;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The HTTP server's sockets: Netty's native epoll transport where it loads (Linux on x86-64, what
 * the jar carries), NIO elsewhere, as grpc-netty chooses for the servers. Over NIO a request cost
 * the gateway about 5% more CPU, in every round of an interleaved comparison (docs/gateway.md).
 */
final class HttpTransport {

  private HttpTransport() {}

  static IoHandlerFactory ioHandlers() {
    return Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  static Class<? extends ServerChannel> serverChannel() {
    return Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}
