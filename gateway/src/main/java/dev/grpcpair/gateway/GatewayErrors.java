package dev.grpcpair.gateway;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.grpc.Status;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Errors as grpc-gateway v2 writes them, so that a client of the original reads them unchanged: a
 * body of {@code {"code": <gRPC code>, "message": "...", "details": []}} (a {@code
 * google.rpc.Status} in JSON) and the HTTP status grpc-gateway gives that code. Requests that reach
 * no method (an unknown path, another method, a request the HTTP server refuses) get the same body,
 * with the code grpc-gateway's router gives them.
 */
final class GatewayErrors {

  private GatewayErrors() {}

  /** grpc-gateway v2.1's {@code runtime.HTTPStatusFromCode}. */
  static HttpResponseStatus httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> HttpResponseStatus.OK;
      case CANCELLED -> HttpResponseStatus.REQUEST_TIMEOUT;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> HttpResponseStatus.BAD_REQUEST;
      case DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
      case ALREADY_EXISTS, ABORTED -> HttpResponseStatus.CONFLICT;
      case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
      case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
      case RESOURCE_EXHAUSTED -> HttpResponseStatus.TOO_MANY_REQUESTS;
      case UNIMPLEMENTED -> HttpResponseStatus.NOT_IMPLEMENTED;
      case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
      case UNKNOWN, INTERNAL, DATA_LOSS -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
    };
  }

  /** The gRPC code of a request that failed before any method: what grpc-gateway's router says. */
  static Status.Code grpcCode(HttpResponseStatus status) {
    return switch (status.code()) {
      case 400, 411, 413, 414, 415, 431 -> Status.Code.INVALID_ARGUMENT;
      case 401 -> Status.Code.UNAUTHENTICATED;
      case 403 -> Status.Code.PERMISSION_DENIED;
      case 404 -> Status.Code.NOT_FOUND;
      case 405, 501 -> Status.Code.UNIMPLEMENTED;
      case 408, 504 -> Status.Code.DEADLINE_EXCEEDED;
      case 429 -> Status.Code.RESOURCE_EXHAUSTED;
      case 503 -> Status.Code.UNAVAILABLE;
      default -> Status.Code.UNKNOWN;
    };
  }

  /** The body of a call's failure: its code and description. */
  static String body(Status status) {
    return body(status.getCode(), status.getDescription() == null ? "" : status.getDescription());
  }

  /** The body of a request refused before any call: the status' reason phrase as the message. */
  static String body(HttpResponseStatus status) {
    return body(grpcCode(status), status.reasonPhrase());
  }

  static String body(Status.Code code, String message) {
    JsonObject body = new JsonObject();
    body.addProperty("code", code.value());
    body.addProperty("message", message);
    body.add("details", new JsonArray());
    return body.toString();
  }
}
