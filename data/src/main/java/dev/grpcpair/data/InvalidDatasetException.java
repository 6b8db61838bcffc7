package dev.grpcpair.data;

/** A dataset that cannot be served: unreadable, not valid JSON, or with missing or repeated ids. */
public final class InvalidDatasetException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public InvalidDatasetException(String message) {
    super(message);
  }

  public InvalidDatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
