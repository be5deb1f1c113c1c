// The admin server serves /console/uplot.js from the installed uplot package
// (static-files.ts); this gives the console's import of it uPlot's own types.
import uPlot from 'uplot';
export default uPlot;
