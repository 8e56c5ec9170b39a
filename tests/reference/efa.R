# Reference factor-analysis values from R psych / GPArotation on the 25 bfi items (tests/data/psych_bfi.csv,
# respondents who answered all 25): KMO, Bartlett's test, a five-factor minres solution with oblimin rotation
# (pattern loadings, factor correlations Phi) and Tucker's congruence of psych's scoring keys with its factors.
#
#   Rscript tests/reference/efa.R [OUT_DIR]     (default OUT_DIR: tests/reference)

here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "_common.R"))

items <- na.omit(read_bfi()[, BFI_ITEMS])
r <- cor(items)
kmo <- KMO(r)
bartlett <- cortest.bartlett(r, n = nrow(items))
f <- fa(items, nfactors = 5, fm = "minres", rotate = "oblimin")
keys <- make.keys(items, BFI_KEYS)  # items x scales, entries 1, -1, 0

reference <- c(
  provenance("efa.R"),
  list(
    items = BFI_ITEMS,
    n = nrow(items),
    kmo = list(
      call = "psych::KMO(cor(x))",
      msa = kmo$MSA,
      msa_items = unname(kmo$MSAi)
    ),
    bartlett = list(
      call = "psych::cortest.bartlett(cor(x), n = nrow(x))",
      chisq = bartlett$chisq,
      df = bartlett$df,
      p_value = bartlett$p.value
    ),
    fa = list(
      call = "psych::fa(x, nfactors = 5, fm = \"minres\", rotate = \"oblimin\") (GPArotation::oblimin)",
      note = "psych names factors MR1..MR5 by extraction order and sorts them by variance explained",
      loadings = matrix_json(unclass(f$loadings)),
      phi = matrix_json(f$Phi),
      communalities = unname(f$communality)
    ),
    congruence = list(
      call = "psych::factor.congruence(psych::make.keys(x, bfi.keys), fa, digits = 17)",
      matrix = matrix_json(factor.congruence(keys, f, digits = 17))
    )
  )
)
write_reference(reference, "efa.json")
