/** The one part of jStat (no bundled types) that distmatch uses. */
declare module "jstat" {
  export const jStat: {
    readonly studentt: {
      /** Quantile function (inverse CDF) of Student's t distribution with `dof` degrees of freedom. */
      inv(p: number, dof: number): number;
    };
  };
}
