package dev.grpcpair.data;

import dev.grpcpair.proto.data.v1.Dataset;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What data a server serves, as its flags say: a file, a generated dataset, or (neither) the
 * original's sample. A picocli mixin of both servers' command lines; a value that cannot be used is
 * a bad value of the flag that named it (exit code 2).
 */
public final class DatasetFlags {

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(names = "--dataset", description = "Dataset file (protobuf JSON); unset: the sample.")
  Path file;

  @Option(
      names = "--generate-dataset",
      paramLabel = "USERS:POSTS",
      description = "Serve a generated dataset of this size instead (e.g. 10000:100000).")
  String generatedSize;

  /** Throws if both flags are given; the size's form is checked when it is loaded. */
  public void check() {
    if (file != null && generatedSize() != null) {
      throw bad("give either --dataset or --generate-dataset, not both");
    }
  }

  /** Reads or makes the dataset and indexes it with {@code index} ({@link DatasetSource#load}). */
  public <R> R load(Function<Dataset, R> index) {
    try {
      return DatasetSource.of(file, generatedSize()).load(index);
    } catch (InvalidDatasetException e) {
      throw bad(
          (generatedSize() != null ? "--generate-dataset: " : "--dataset: ") + e.getMessage());
    }
  }

  /** The size asked for; null when unset or blank ({@code --generate-dataset=" "}). */
  private String generatedSize() {
    return generatedSize == null || generatedSize.isBlank() ? null : generatedSize;
  }

  private ParameterException bad(String message) {
    return new ParameterException(command.commandLine(), message);
  }
}
