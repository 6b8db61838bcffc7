package dev.grpcpair.common.server;

/**
 * What a layer below the server edge throws for a request that cannot be answered as asked (a
 * foreign page token, a negative page size): a plain exception, no gRPC status, which {@link
 * RecoveryInterceptor} answers {@code INVALID_ARGUMENT} with this message, written for the caller.
 */
public class InvalidRequestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
