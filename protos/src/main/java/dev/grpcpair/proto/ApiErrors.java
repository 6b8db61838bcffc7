package dev.grpcpair.proto;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The statuses the {@code .proto} files promise for bad requests, worded once for both servers. */
public final class ApiErrors {

  private ApiErrors() {}

  /** NOT_FOUND: no user has {@code userId}. */
  public static StatusRuntimeException userNotFound(String userId) {
    return Status.NOT_FOUND
        .withDescription("user \"" + userId + "\" does not exist")
        .asRuntimeException();
  }

  /** INVALID_ARGUMENT: {@code field} was left empty. */
  public static StatusRuntimeException required(String field) {
    return Status.INVALID_ARGUMENT.withDescription(field + " is required").asRuntimeException();
  }

  /** INVALID_ARGUMENT with {@code description}. */
  public static StatusRuntimeException invalid(String description) {
    return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
  }
}
