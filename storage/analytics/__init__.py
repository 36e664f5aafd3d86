"""Getting conversation and satisfaction data out: exports, the HTML report."""
