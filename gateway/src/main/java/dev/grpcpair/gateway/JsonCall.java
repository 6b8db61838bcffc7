package dev.grpcpair.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * One routed HTTP/JSON request made as its unary gRPC call, what grpc-gateway's generated handler
 * does: the answer in JSON, or the status in grpc-gateway's error body, the server's response
 * metadata as {@code Grpc-Metadata-*} headers either way.
 */
final class JsonCall extends ClientCall.Listener<Message> {

  private final HttpExchange exchange;
  private final Deadline deadline;
  private Metadata responseHeaders = new Metadata();
  private Message response;

  private JsonCall(HttpExchange exchange, Deadline deadline) {
    this.exchange = exchange;
    this.deadline = deadline;
  }

  /**
   * Makes the call of {@code route} with {@code request}; the exchange is answered when it ends.
   */
  static void start(Route route, Message request, Deadline deadline, HttpExchange exchange) {
    ClientCall<Message, Message> call =
        route.channel().newCall(route.method(), CallOptions.DEFAULT.withDeadline(deadline));
    exchange.onClientGone(() -> call.cancel("the HTTP client went away", null));
    call.start(
        new JsonCall(exchange, deadline),
        ForwardedMetadata.ofRequest(exchange.requestHeaders(), exchange.peer()));
    call.request(2);
    call.sendMessage(request);
    call.halfClose();
  }

  @Override
  public void onHeaders(Metadata headers) {
    responseHeaders = headers;
  }

  @Override
  public void onMessage(Message message) {
    response = message;
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    HttpHeaders headers = new DefaultHttpHeaders();
    ForwardedMetadata.toResponse(responseHeaders, headers);
    if (status.isOk() && response != null) {
      try {
        exchange.respond(
            HttpResponseStatus.OK, headers, JsonBodies.print(response), Status.Code.OK);
        return;
      } catch (InvalidProtocolBufferException e) {
        status =
            Status.INTERNAL.withDescription("cannot write the answer as JSON: " + e.getMessage());
      }
    } else if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && deadline.isExpired()) {
      // What grpc-gateway's Go context says when Grpc-Timeout (or the default) runs out.
      status = Status.DEADLINE_EXCEEDED.withDescription("context deadline exceeded");
    } else if (status.isOk()) {
      status = Status.INTERNAL.withDescription("the server answered no message");
    }
    exchange.fail(status, headers);
  }
}
