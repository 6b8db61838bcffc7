package dev.grpcpair.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;

/**
 * The benchmark's chart: median calls/s and median p99 per case, side by side, drawn by JFreeChart.
 */
final class Chart {

  private static final int WIDTH = 600;
  private static final int HEIGHT = 520;

  private Chart() {}

  static void write(Path file, Map<String, List<Result>> results, List<String> cases)
      throws IOException {
    BufferedImage image = new BufferedImage(2 * WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.drawImage(panel("calls/s (median)", results, cases, Result::rps), 0, 0, null);
    g.drawImage(
        panel("CPU per call, µs, both servers (median)", results, cases, Result::cpuMicros),
        WIDTH,
        0,
        null);
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static BufferedImage panel(
      String title, Map<String, List<Result>> results, List<String> cases, Result.Metric metric) {
    DefaultStatisticalCategoryDataset dataset = new DefaultStatisticalCategoryDataset();
    for (String name : cases) {
      double[] values = results.get(name).stream().mapToDouble(metric::of).sorted().toArray();
      double median = values[values.length / 2];
      // The "standard deviation" bar shows half the range: how much the runs disagreed.
      dataset.add(median, (values[values.length - 1] - values[0]) / 2, title, name);
    }
    JFreeChart chart =
        ChartFactory.createBarChart(
            title, null, null, dataset, PlotOrientation.VERTICAL, false, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    // Draws the range as an error bar over each median.
    plot.setRenderer(new StatisticalBarRenderer());
    plot.getDomainAxis().setMaximumCategoryLabelLines(4);
    return chart.createBufferedImage(WIDTH, HEIGHT);
  }
}
