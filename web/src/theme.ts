// The console's Mantine theme. Shade 8 keeps white text on filled buttons and badges above the
// WCAG AA contrast ratio; console.css darkens the tinted variants' text likewise.
import { createTheme } from '@mantine/core';

export const theme = createTheme({ primaryColor: 'indigo', primaryShade: { light: 8, dark: 6 }, defaultRadius: 'sm' });
