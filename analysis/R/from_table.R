#!/usr/bin/env Rscript
# A cimsim export table in R: a data frame with one row per scenario x replicate x month, the
# median of a variable over time per scenario, and a chart (ggplot2 when it is installed, Debian's
# r-cran-ggplot2; base graphics otherwise).
#
# Usage: Rscript analysis/R/from_table.R TABLE.csv [OUT.png] [VARIABLE]
#
# TABLE.csv comes from `cimsim export FILE.h5 -o TABLE.csv` (read.csv also reads .csv.gz). Note:
# the seed column holds 64-bit integers, which R reads as doubles (rounded); use `replicate` to
# pair runs across scenarios (replicate k of every scenario has the same seed).
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript from_table.R TABLE.csv [OUT.png] [VARIABLE]")
table <- args[1]
out <- if (length(args) >= 2) args[2] else "table_chart.png"
variable <- if (length(args) >= 3) args[3] else "outcome"

df <- read.csv(table, stringsAsFactors = FALSE)
cat(sprintf("read %d rows, %d columns; scenarios: %s\n", nrow(df), ncol(df),
            paste(unique(df$scenario), collapse = ", ")))
if (!(variable %in% names(df))) stop("no column '", variable, "' in ", table)
ok <- df[df$status == "ok", ]
med <- aggregate(ok[[variable]], by = list(scenario = ok$scenario, month = ok$month), FUN = median)
names(med)[3] <- variable
med$years <- med$month / 12
final <- med[med$month == max(med$month), ]
for (i in seq_len(nrow(final)))
  cat(sprintf("%-36s median %s at month %d: %.4f\n", final$scenario[i], variable, final$month[i], final[[variable]][i]))

if (requireNamespace("ggplot2", quietly = TRUE)) {
  library(ggplot2)
  p <- ggplot(med, aes(x = years, y = .data[[variable]], colour = scenario)) + geom_line() +
    labs(x = "years since the start", y = variable, title = paste(variable, ": median over runs")) + theme_minimal()
  ggsave(out, p, width = 8, height = 4.5, dpi = 100)
  cat("drew the chart with ggplot2\n")
} else {
  png(out, width = 800, height = 450, type = "cairo")
  scen <- unique(med$scenario)
  plot(NULL, xlim = range(med$years), ylim = range(med[[variable]], na.rm = TRUE), xlab = "years since the start",
       ylab = variable, main = paste(variable, ": median over runs"))
  for (s in seq_along(scen)) with(med[med$scenario == scen[s], ], lines(years, get(variable), col = s, lwd = 2))
  legend("topleft", legend = scen, col = seq_along(scen), lwd = 2, bty = "n")
  invisible(dev.off())
  cat("drew the chart with base graphics (install r-cran-ggplot2 for ggplot2)\n")
}
cat("wrote", out, "\n")
