// GET|POST /api/2.0/mlflow/*: MLflow-compatible tracking API for the unmodified mlflow client (Bearer API key).
import { handleMlflow } from '@/app/lib/mlflow-rest';

export const dynamic = 'force-dynamic';

export { handleMlflow as GET, handleMlflow as POST, handleMlflow as PATCH, handleMlflow as DELETE };
