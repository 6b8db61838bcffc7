package dev.grpcpair.proto;

/**
 * What a layer below the server edge throws for a request the contract refuses (a foreign page
 * token, a negative page size): a plain exception, no gRPC status, which the servers' recovery
 * interceptor answers {@code INVALID_ARGUMENT} with this message, written for the caller.
 */
public class InvalidRequestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
