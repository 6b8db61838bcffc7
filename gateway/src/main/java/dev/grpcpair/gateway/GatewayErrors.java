package dev.grpcpair.gateway;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.protocol.StatusMessageEscaper;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.UnframedGrpcErrorHandler;
import io.grpc.Status;

/**
 * Errors as grpc-gateway v2 writes them, so that a client of the original reads them unchanged: a
 * body of {@code {"code": <gRPC code>, "message": "...", "details": []}} (a {@code
 * google.rpc.Status} in JSON) and the HTTP status grpc-gateway gives that code. Requests that reach
 * no method (an unknown path, another method) get the same body, with the code grpc-gateway's
 * router gives them.
 */
final class GatewayErrors {

  /** Every route of the gateway's is a GET: what a 405 answers in {@code Allow}. */
  static final String ALLOWED_METHODS = "GET";

  private GatewayErrors() {}

  /** grpc-gateway v2.1's {@code runtime.HTTPStatusFromCode}. */
  static HttpStatus httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> HttpStatus.OK;
      case CANCELLED -> HttpStatus.REQUEST_TIMEOUT;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> HttpStatus.BAD_REQUEST;
      case DEADLINE_EXCEEDED -> HttpStatus.GATEWAY_TIMEOUT;
      case NOT_FOUND -> HttpStatus.NOT_FOUND;
      case ALREADY_EXISTS, ABORTED -> HttpStatus.CONFLICT;
      case PERMISSION_DENIED -> HttpStatus.FORBIDDEN;
      case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
      case RESOURCE_EXHAUSTED -> HttpStatus.TOO_MANY_REQUESTS;
      case UNIMPLEMENTED -> HttpStatus.NOT_IMPLEMENTED;
      case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
      case UNKNOWN, INTERNAL, DATA_LOSS -> HttpStatus.INTERNAL_SERVER_ERROR;
    };
  }

  /** The gRPC code of a request that failed before any method: what grpc-gateway's router says. */
  static Status.Code grpcCode(HttpStatus status) {
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

  /** For the calls the transcoder made: their status, as grpc-gateway answers it. */
  static UnframedGrpcErrorHandler ofCalls() {
    return (ctx, status, response) -> {
      Status.Code code = status.getCode();
      // The transcoder hands over the description as it travels in grpc-message, percent-encoded.
      String message =
          status.getDescription() == null
              ? ""
              : StatusMessageEscaper.unescape(status.getDescription());
      if (code == Status.Code.CANCELLED && ctx.isTimedOut()) {
        // Grpc-Timeout ran out: Armeria ends the request, where grpc-gateway's call would end
        // with its context's deadline.
        code = Status.Code.DEADLINE_EXCEEDED;
        message = "context deadline exceeded";
      }
      return body(httpStatus(code), code, message).toHttpResponse();
    };
  }

  /** For requests that reach no method, or that the HTTP server refuses. */
  static ServerErrorHandler ofRequests() {
    return new ServerErrorHandler() {
      @Override
      public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
        return null; // the default: the transcoder's own failures come through ofCalls()
      }

      @Override
      public AggregatedHttpResponse renderStatus(
          ServiceRequestContext ctx,
          ServiceConfig config,
          RequestHeaders headers,
          HttpStatus status,
          String description,
          Throwable cause) {
        AggregatedHttpResponse response = body(status, grpcCode(status), status.reasonPhrase());
        if (status.code() == 405) {
          return AggregatedHttpResponse.of(
              response.headers().toBuilder().set(HttpHeaderNames.ALLOW, ALLOWED_METHODS).build(),
              response.content());
        }
        return response;
      }
    };
  }

  private static AggregatedHttpResponse body(HttpStatus status, Status.Code code, String message) {
    JsonObject body = new JsonObject();
    body.addProperty("code", code.value());
    body.addProperty("message", message);
    body.add("details", new JsonArray());
    return AggregatedHttpResponse.of(
        ResponseHeaders.of(status, HttpHeaderNames.CONTENT_TYPE, MediaType.JSON),
        com.linecorp.armeria.common.HttpData.ofUtf8(body.toString()));
  }
}
