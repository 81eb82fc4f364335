# Export the R survey package's example data sets used by the golden values as CSV.
# Needs: apt-get install -y r-cran-survey   (Debian bookworm: survey 4.1-1, R 4.2.2)
# Run from this folder: Rscript export-datasets.R
suppressMessages(library(survey))
data(api); data(fpc); data(scd); data(election)
for (nm in c("apisrs", "apistrat", "apiclus1", "apiclus2", "fpc", "scd", "election_pps"))
  write.csv(get(nm), paste0(nm, ".csv"), row.names = FALSE)
