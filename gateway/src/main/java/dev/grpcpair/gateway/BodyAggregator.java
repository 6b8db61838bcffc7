package dev.grpcpair.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/**
 * Whole requests for the {@link GatewayHandler} after it: a body up to {@link
 * HttpChannels#MAX_BODY_BYTES} (a larger one answers 413 and closes), every byte of it held against
 * the {@link BodyBudget} from when it arrives until the handler lets the request go (past the
 * budget: 429, and the connection closed; nothing more of it is read).
 */
final class BodyAggregator extends HttpObjectAggregator {

  private final HttpMetrics metrics;
  private final BodyBudget.Hold hold;
  private long started = System.nanoTime();
  private boolean refused;

  BodyAggregator(HttpMetrics metrics, BodyBudget budget) {
    super(HttpChannels.MAX_BODY_BYTES, true);
    this.metrics = metrics;
    this.hold = budget.hold();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    ctx.channel().attr(BodyBudget.HOLD).set(hold);
    super.handlerAdded(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (refused) {
      ReferenceCountUtil.release(msg); // what was already on its way when the 429 went out
      return;
    }
    if (msg instanceof HttpMessage) {
      started = System.nanoTime();
    }
    // A request's head, its body's pieces, or a request that came whole: held before it is kept.
    if (msg instanceof HttpContent content
        && !hold.add(content.content().readableBytes(), ctx.channel().remoteAddress())) {
      refused = true;
      ReferenceCountUtil.release(msg);
      ctx.channel().config().setAutoRead(false);
      HttpExchange.refuseUnread(
          ctx.channel(), HttpResponseStatus.TOO_MANY_REQUESTS, metrics, started);
      return;
    }
    super.channelRead(ctx, msg);
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    HttpExchange.refuseUnread(
        ctx.channel(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, metrics, started);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    hold.releaseAll();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
    hold.releaseAll();
    super.handlerRemoved(ctx);
  }
}
