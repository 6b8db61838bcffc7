package dev.grpcpair.gateway;

import dev.grpcpair.common.observability.RateLimitedLog;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an h2c connection: what reaches it is the connection's own failures (its
 * streams' end in {@link GatewayHandler}). Frames that break HTTP/2 (a reset of a stream never
 * opened, say), which Netty's codec answers with GOAWAY and closes the connection for, become one
 * line at most once a second, instead of Netty's warning with a stack trace for every such
 * connection.
 */
@ChannelHandler.Sharable
final class Http2ConnectionErrors extends ChannelInboundHandlerAdapter {

  // One per gateway, shared by its connections: gateways side by side (tests) do not fold each
  // other's lines.
  private final RateLimitedLog protocolErrors =
      new RateLimitedLog(LoggerFactory.getLogger(Http2ConnectionErrors.class));

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof Http2Exception) {
      // The codec closes the connection itself once this returns, after a GOAWAY with the error.
      protocolErrors.warn(
          () ->
              "closed the connection of "
                  + ctx.channel().remoteAddress()
                  + ": its client broke HTTP/2: "
                  + cause.getMessage());
      return;
    }
    if (!GatewayHandler.clientGone(cause)) {
      GatewayHandler.unexpected(ctx, cause);
    }
    ctx.close();
  }
}
