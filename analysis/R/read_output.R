#!/usr/bin/env Rscript
# Reads a cimsim output file with hdf5r and plots the median outcome of each scenario over time,
# with the band holding 90% of the runs.
#
# Usage: Rscript analysis/R/read_output.R FILE.h5 [OUT.png] [VARIABLE]
#
# Needs Debian's r-base-core and r-cran-hdf5r (scripts/setup.sh installs them).
# hdf5r returns arrays with the dimensions in reverse order of the file's (R is column-major):
# outcome(scenario, realization, time) in the file is outcome[time, realization, scenario] here.
suppressPackageStartupMessages(library(hdf5r))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript read_output.R FILE.h5 [OUT.png] [VARIABLE]")
file <- args[1]
out <- if (length(args) >= 2) args[2] else "outcome.png"
variable <- if (length(args) >= 3) args[3] else "outcome"

h5 <- H5File$new(file, mode = "r")
scenarios <- h5[["scenario"]][]
months <- h5[["time"]][]
values <- h5[[variable]][, , ]          # [time, realization, scenario]
status <- h5[["status"]][, ]            # [realization, scenario]; 1 = ok
cat("file:", file, "\n")
cat("created by:", h5attr(h5, "cimsim_version"), "at", h5attr(h5, "created"), "\n")
cat("command:", h5attr(h5, "command_line"), "\n")
h5$close_all()

if (length(dim(values)) == 2) values <- array(values, c(dim(values), 1))  # a single scenario
years <- months / 12
png(out, width = 900, height = 500, type = "cairo")
plot(NULL, xlim = range(years), ylim = range(values, na.rm = TRUE), xlab = "years since the start",
     ylab = variable, main = paste(variable, "by scenario: median and 90% of runs"))
for (s in seq_along(scenarios)) {
  ok <- status[, s] == 1
  v <- values[, ok, s, drop = FALSE][, , 1]
  q <- apply(matrix(v, nrow = length(months)), 1, quantile, probs = c(0.05, 0.5, 0.95), na.rm = TRUE)
  polygon(c(years, rev(years)), c(q[1, ], rev(q[3, ])), col = adjustcolor(s, alpha.f = 0.2), border = NA)
  lines(years, q[2, ], col = s, lwd = 2)
  cat(sprintf("%-30s final median %.3f (%d ok runs)\n", scenarios[s], q[2, length(months)], sum(ok)))
}
legend("topleft", legend = scenarios, col = seq_along(scenarios), lwd = 2, bty = "n")
invisible(dev.off())
cat("wrote", out, "\n")
