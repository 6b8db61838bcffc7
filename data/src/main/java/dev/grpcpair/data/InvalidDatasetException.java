package dev.grpcpair.data;

/**
 * A dataset that cannot be served: unreadable, not valid JSON, or with missing or repeated ids. The
 * file or size a flag names: the servers report it as a bad value of that flag.
 */
public final class InvalidDatasetException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public InvalidDatasetException(String message) {
    super(message);
  }

  public InvalidDatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
